/**
 * What test/unit/architecture.test.ts checks, read from src/ with the TypeScript parser (not
 * regular expressions: a comment or a URL string that mentions `'mysql'` is no branch, and an
 * import spread over several lines is still one import).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import ts from 'typescript';

export interface ImportRef {
  /** The importing file, relative to the repository (src/...). */
  file: string;
  line: number;
  /** As written: `kafkajs`, `../sql/ddl.js`. */
  specifier: string;
  /** For a relative specifier: the imported file, relative to the repository (src/...ts). */
  target?: string;
}

export interface Hit {
  file: string;
  line: number;
  text: string;
}

/** Every production source file under `dir` (tests are not part of the pipeline). */
export function sourceFiles(dir = 'src'): string[] {
  return readdirSync(dir)
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? sourceFiles(p) : [p];
    })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map(toPosix)
    .sort();
}

const toPosix = (p: string): string => p.split(sep).join('/');

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
}

function lineOf(sf: ts.SourceFile, node: ts.Node): number {
  return sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
}

function visit(node: ts.Node, f: (n: ts.Node) => void): void {
  f(node);
  ts.forEachChild(node, (c) => visit(c, f));
}

/** Static imports and re-exports (type-only ones too: they couple the stages all the same) and `import()`. */
export function importsOf(file: string): ImportRef[] {
  const sf = parse(file);
  const out: ImportRef[] = [];
  const add = (node: ts.Node, spec: ts.Expression | undefined): void => {
    if (spec === undefined || !ts.isStringLiteralLike(spec)) return;
    const specifier = spec.text;
    const ref: ImportRef = { file, line: lineOf(sf, node), specifier };
    if (specifier.startsWith('.')) ref.target = toPosix(relative('.', join(dirname(file), specifier))).replace(/\.js$/, '.ts');
    out.push(ref);
  };
  visit(sf, (n) => {
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) add(n, n.moduleSpecifier);
    else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) add(n, n.arguments[0]);
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) add(n, n.argument.literal);
  });
  return out;
}

const DIALECTS = new Set(['mysql', 'mariadb', 'sqlite', 'postgres', 'postgresql']);
const EQUALITY = new Set([ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken]);
const isDialectLiteral = (e: ts.Node): boolean => ts.isStringLiteralLike(e) && DIALECTS.has(e.text);
/** `url.startsWith('sqlite:')`: the same branch, taken on the URL instead of its parsed kind. */
const isSchemeTest = (n: ts.CallExpression): boolean =>
  ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'startsWith' && n.arguments.some((a) => ts.isStringLiteralLike(a) && /^(mysql|mariadb|sqlite|postgres(ql)?):/.test(a.text));

/**
 * Branches on the database: `x === 'mysql'` (and !==, either side), `case 'sqlite':`, and a URL's
 * scheme tested with startsWith. That covers `kind === 'mysql'` on a parsed URL and
 * `dialect === 'mysql'`; a comparison between two variables cannot be told apart without types.
 */
export function dialectBranchesOf(file: string): Hit[] {
  const sf = parse(file);
  const out: Hit[] = [];
  const hit = (n: ts.Node): void => {
    out.push({ file, line: lineOf(sf, n), text: n.getText(sf).replace(/\s+/g, ' ').slice(0, 100) });
  };
  visit(sf, (n) => {
    if (ts.isBinaryExpression(n) && EQUALITY.has(n.operatorToken.kind) && (isDialectLiteral(n.left) || isDialectLiteral(n.right))) hit(n);
    else if (ts.isCaseClause(n) && isDialectLiteral(n.expression)) hit(n.expression);
    else if (ts.isCallExpression(n) && isSchemeTest(n)) hit(n);
  });
  return out;
}

/** Names and strings that contain `text` (`process.env.X`, `env['X']`, a log line), comments aside. */
export function mentionsOf(file: string, text: string): Hit[] {
  const sf = parse(file);
  const out: Hit[] = [];
  visit(sf, (n) => {
    const named = ts.isIdentifier(n) || ts.isStringLiteralLike(n) || ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n);
    if (named && n.text.includes(text)) {
      out.push({ file, line: lineOf(sf, n), text: n.text.slice(0, 100) });
    }
  });
  return out;
}

/** Compare counted hits with a ratchet list (file → count); the list must match exactly. */
export function ratchet(hits: Hit[], allowed: Record<string, number>, what: string): string[] {
  const byFile = new Map<string, Hit[]>();
  for (const h of hits) byFile.set(h.file, [...(byFile.get(h.file) ?? []), h]);
  const problems: string[] = [];
  for (const [file, list] of byFile) {
    const max = allowed[file] ?? 0;
    if (list.length > max) problems.push(`${file}: ${list.length} ${what}, the list allows ${max}: ${list.map((h) => `${h.line}: ${h.text}`).join(' | ')}`);
  }
  for (const [file, max] of Object.entries(allowed)) {
    const n = byFile.get(file)?.length ?? 0;
    if (n < max) problems.push(`${file}: ${n} ${what}, the list says ${max}: shrink the list to ${n}${n === 0 ? ' (remove the entry)' : ''}`);
  }
  return problems;
}
