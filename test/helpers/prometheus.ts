/**
 * A small parser of the Prometheus text exposition format (version 0.0.4), enough for tests:
 * samples with labels (escaped quotes, backslashes and newlines in values), # TYPE and # HELP.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  types: Map<string, string>;
  help: Map<string, string>;
  /** The samples of one name whose labels include `labels`. */
  get(name: string, labels?: Record<string, string>): Sample[];
  /** Their sum (0 when none). */
  sum(name: string, labels?: Record<string, string>): number;
}

export function parsePrometheus(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s+(TYPE|HELP)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(.*)$/.exec(line);
      if (m?.[1] === 'TYPE') types.set(m[2] as string, (m[3] as string).trim());
      else if (m?.[1] === 'HELP') help.set(m[2] as string, m[3] as string);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(\s+-?\d+)?$/.exec(line);
    if (m === null) throw new Error(`line ${i + 1} is not a sample: ${line}`);
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    if (Number.isNaN(value) && m[3] !== 'NaN') throw new Error(`line ${i + 1}: bad value ${m[3]}`);
    samples.push({ name: m[1] as string, labels: parseLabels(m[2] ?? '', i + 1), value });
  }
  const matches = (s: Sample, name: string, labels: Record<string, string> = {}) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v);
  return {
    samples, types, help,
    get: (name, labels) => samples.filter((s) => matches(s, name, labels)),
    sum: (name, labels) => samples.filter((s) => matches(s, name, labels)).reduce((a, s) => a + s.value, 0),
  };
}

function parseLabels(text: string, line: number): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === '') return out;
  const body = text.slice(1, -1);
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/gy;
  let at = 0;
  while (at < body.length) {
    re.lastIndex = at;
    const m = re.exec(body);
    if (m === null) throw new Error(`line ${line}: bad labels ${text}`);
    out[m[1] as string] = (m[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    at = re.lastIndex;
  }
  return out;
}
