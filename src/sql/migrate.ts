/**
 * Migrations: the statements that bring a live schema to the specs, each marked safe or not.
 * Pure: a TableDef list and an introspected schema in, a list of changes out (`migrate-run.ts`
 * reads the schema and runs them; `ddl --diff` prints them).
 *
 * Safe (additive, nothing stored is lost or invented): a missing table, a missing column that is
 * nullable or has a default, a missing index, a wider string/decimal/integer, a column made
 * nullable, a changed default, an index recreated with its new columns.
 * Not safe (a rebuild instead, `sc-project rebuild <projection>`): dropping a column, a narrower
 * or different type, a column made NOT NULL, a NOT NULL column without a default (existing rows
 * have no value for it), a changed primary key.
 *
 * SQLite's ALTER TABLE can add a column (not a key or unique one, and NOT NULL only with a
 * default) and indexes can be created; anything else about an existing column needs a rebuild
 * (https://www.sqlite.org/lang_altertable.html).
 */
import type { ColumnDef, TableDef } from '../compile/plan.js';
import { covers, expectedDefault, sameDefault } from './apply.js';
import { alterColumnSql, columnSqlType, KEY_COLLATION, keyedColumns, tableStatements } from './ddl.js';
import type { SqlDialect } from './dialect.js';
import { dialectOf } from './dialects/index.js';
import type { LiveTable } from './introspect.js';

export type MigrationDialect = SqlDialect;

export type ChangeKind =
  | 'create table' | 'add column' | 'add index' | 'change index' | 'widen' | 'make nullable' | 'change default'
  | 'drop column' | 'narrow' | 'change type' | 'make not null' | 'add not null column' | 'change primary key';

export interface Migration {
  table: string;
  /** A column name, or undefined for table and index changes. */
  column?: string;
  kind: ChangeKind;
  safe: boolean;
  /** What changes, e.g. `varchar(64) → varchar(128)`. */
  detail: string;
  /** The statements (empty when not safe: a rebuild does it instead). */
  sql: string[];
}

const SAFE: ReadonlySet<ChangeKind> = new Set(['create table', 'add column', 'add index', 'change index', 'widen', 'make nullable', 'change default']);

function change(table: string, column: string | undefined, kind: ChangeKind, detail: string, sql: string[]): Migration {
  const safe = SAFE.has(kind);
  return { table, ...(column !== undefined ? { column } : {}), kind, safe, detail, sql: safe ? sql : [] };
}

/** Every change that brings `live` to `tables`, tables sorted by name. */
export function planMigrations(tables: readonly TableDef[], live: ReadonlyMap<string, LiveTable>, dialect: MigrationDialect, keyCollation: string = KEY_COLLATION): Migration[] {
  const out: Migration[] = [];
  for (const table of [...tables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const statements = tableStatements(table, dialect, keyCollation);
    const existing = live.get(table.name);
    if (existing === undefined) {
      out.push(change(table.name, undefined, 'create table', `${table.columns.length} column(s)`, [statements.create, ...statements.indexes.map((i) => i.sql)]));
      continue;
    }
    out.push(...columnChanges(table, existing, dialect, keyCollation));
    if (!sameList(table.key, existing.primaryKey)) {
      out.push(change(table.name, undefined, 'change primary key', `(${existing.primaryKey.join(', ')}) → (${table.key.join(', ')})`, []));
    }
    for (const index of statements.indexes) {
      const byName = existing.indexes.find((l) => l.name === index.name);
      if (byName !== undefined && !covers(byName, index)) {
        const drop = dialectOf(dialect).dropIndex(index.name, table.name);
        out.push(change(table.name, undefined, 'change index', `${index.name}: (${byName.columns.join(', ')}) → (${index.columns.join(', ')})`, [drop, index.sql]));
      } else if (byName === undefined && !existing.indexes.some((l) => covers(l, index))) {
        out.push(change(table.name, undefined, 'add index', `${index.unique ? 'unique ' : ''}${index.name} (${index.columns.join(', ')})`, [index.sql]));
      }
    }
  }
  return out;
}

function columnChanges(table: TableDef, live: LiveTable, dialect: MigrationDialect, keyCollation: string): Migration[] {
  const out: Migration[] = [];
  const byName = new Map(live.columns.map((c) => [c.name, c]));
  const keyed = keyedColumns(table);
  const indexed = new Set([...keyed, ...table.indexes.flat()]);
  for (const c of table.columns) {
    const type = columnSqlType(c, dialect);
    const l = byName.get(c.name);
    if (l === undefined) {
      const noValue = !c.nullable && expectedDefault(c) === null;
      if (noValue) out.push(change(table.name, c.name, 'add not null column', `${type} not null without a default: existing rows have no value for it`, []));
      else if (!dialectOf(dialect).addsKeyColumns && keyed.has(c.name)) out.push(change(table.name, c.name, 'change primary key', `SQLite cannot add a key column to ${table.name}`, []));
      else out.push(change(table.name, c.name, 'add column', describe(type, c), [alterColumnSql(table, c, dialect, 'add', keyCollation)]));
      continue;
    }
    const kinds: ChangeKind[] = [];
    if (l.type !== type) kinds.push(typeChange(l.type, type, indexed.has(c.name)));
    if (l.nullable !== c.nullable) kinds.push(c.nullable ? 'make nullable' : 'make not null');
    if (!sameDefault(c, l.default, expectedDefault(c))) kinds.push('change default');
    if (kinds.length === 0) continue;
    const detail = `${describeLive(l.type, l.nullable, l.default)} → ${describe(type, c)}`;
    // The worst of the changes decides; SQLite alters no existing column at all.
    const unsafe = kinds.find((k) => !SAFE.has(k));
    const kind: ChangeKind = unsafe ?? (kinds.length === 1 ? (kinds[0] as ChangeKind) : 'widen');
    if (!dialectOf(dialect).altersColumns && unsafe === undefined) {
      out.push({ table: table.name, column: c.name, kind, safe: false, detail: `${detail} (SQLite cannot alter a column)`, sql: [] });
      continue;
    }
    out.push(change(table.name, c.name, kind, detail, [alterColumnSql(table, c, dialect, 'modify', keyCollation)]));
  }
  const declared = new Set(table.columns.map((c) => c.name));
  for (const l of live.columns.filter((x) => !declared.has(x.name))) {
    out.push(change(table.name, l.name, 'drop column', `${describeLive(l.type, l.nullable, l.default)} is not in the spec`, []));
  }
  return out;
}

/** Whether `to` holds every value of `from` (lower-case SQL types as ddl.ts prints them). */
export function typeChange(from: string, to: string, indexed: boolean): ChangeKind {
  const varchar = (t: string) => /^varchar\((\d+)\)$/.exec(t);
  // decimal on MariaDB and SQLite, numeric on PostgreSQL: the same exact type.
  const dec = (t: string) => /^(?:decimal|numeric)\((\d+),(\d+)\)$/.exec(t);
  const [vf, vt] = [varchar(from), varchar(to)];
  if (vf && vt) return Number(vt[1]) >= Number(vf[1]) ? 'widen' : 'narrow';
  const [df, dt] = [dec(from), dec(to)];
  if (df && dt) {
    const [pf, sf, pt, st] = [Number(df[1]), Number(df[2]), Number(dt[1]), Number(dt[2])];
    return st >= sf && pt - st >= pf - sf ? 'widen' : 'narrow';
  }
  // int on MariaDB and SQLite, integer on PostgreSQL.
  const int = (t: string) => t === 'int' || t === 'integer';
  if (int(from) && to === 'bigint') return 'widen';
  if (from === 'bigint' && int(to)) return 'narrow';
  // A string of any length fits MEDIUMTEXT, which cannot be indexed without a prefix.
  if (vf && to === 'mediumtext' && !indexed) return 'widen';
  if (vt && from === 'mediumtext') return 'narrow';
  return 'change type';
}

function describe(type: string, c: ColumnDef): string {
  const d = expectedDefault(c);
  return `${type} ${c.nullable ? 'null' : 'not null'}${d === null ? '' : ` default ${d}`}`;
}

function describeLive(type: string, nullable: boolean, dflt: string | null): string {
  return `${type} ${nullable ? 'null' : 'not null'}${dflt === null ? '' : ` default ${dflt}`}`;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The printable plan of `ddl --diff`: the safe statements, and for each change that is not safe
 * what a rebuild does instead. `owner` names the projection of a table, and `rebuild` the command
 * line that rebuilds it where the caller ran (runtime/ops/advice.ts: its flags).
 */
export function formatMigrations(migrations: readonly Migration[], dialect: MigrationDialect, owner: (table: string) => string | undefined, rebuild: (projection: string) => string = (p) => `sc-project rebuild ${p}`): string {
  const safe = migrations.filter((m) => m.safe).length;
  const lines = [`-- sc-project ddl --diff for ${dialect}: ${migrations.length} change(s), ${safe} safe, ${migrations.length - safe} need(s) a rebuild`];
  for (const m of migrations) {
    const what = `${m.table}${m.column !== undefined ? `.${m.column}` : ''}: ${m.kind}, ${m.detail}`;
    if (m.safe) {
      lines.push(`-- ${what}`);
      for (const s of m.sql) lines.push(`${s};`);
    } else {
      const p = owner(m.table);
      lines.push(`-- ${what}: not safe (${lossOf(m.kind)}); not applied. A rebuild builds ${m.table} as the spec says from the earliest offset into a shadow table and swaps it in: ${p === undefined ? 'sc-project rebuild <projection>' : rebuild(p)}`);
    }
  }
  return lines.join('\n') + '\n';
}

function lossOf(kind: ChangeKind): string {
  switch (kind) {
    case 'drop column': return 'drops stored values';
    case 'narrow': return 'stored values may not fit';
    case 'change type': return 'stored values would be converted';
    case 'make not null': return 'stored NULLs have no value';
    case 'add not null column': return 'existing rows have no value';
    case 'change primary key': return 'rows would be merged or split';
    default: return 'SQLite cannot alter a column';
  }
}
