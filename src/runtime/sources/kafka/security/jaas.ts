/**
 * `sasl.jaas.config`, the Java client's way to give SASL credentials:
 * `org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="…";`
 * (https://kafka.apache.org/documentation/#security_sasl_jaasconfigclient). Only the two login
 * modules kafkajs can stand in for are read: PlainLoginModule and ScramLoginModule.
 * Errors never quote the text: it holds the password.
 */

export interface JaasLogin {
  /** Which SASL family the module belongs to; it must agree with sasl.mechanism. */
  family: 'PLAIN' | 'SCRAM';
  username: string;
  password: string;
}

const MODULES: Record<string, JaasLogin['family']> = {
  'org.apache.kafka.common.security.plain.PlainLoginModule': 'PLAIN',
  'org.apache.kafka.common.security.scram.ScramLoginModule': 'SCRAM',
};

// A module name, its control flag, then name=value options (quoted, or a bare word), then `;`.
const HEAD = /^\s*([\w.$]+)\s+(required|requisite|sufficient|optional)\b/;
const OPTION = /\s*([\w.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s";]+))/y;

export function parseJaas(text: string): JaasLogin | { error: string } {
  const head = HEAD.exec(text);
  if (head === null) return { error: 'is not a JAAS login line (<LoginModule> required username="…" password="…";)' };
  const family = MODULES[head[1] as string];
  if (family === undefined) return { error: `names the login module ${head[1]}; supported: ${Object.keys(MODULES).join(', ')}` };
  const options = new Map<string, string>();
  let at = head[0].length;
  for (;;) {
    OPTION.lastIndex = at;
    const m = OPTION.exec(text);
    if (m === null) break;
    options.set(m[1] as string, m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] as string));
    at = OPTION.lastIndex;
  }
  if (!/^\s*;\s*$/.test(text.slice(at))) return { error: 'is not a JAAS login line: expected name="value" options ending with ;' };
  const username = options.get('username');
  const password = options.get('password');
  if (username === undefined || password === undefined) return { error: `has no ${username === undefined ? 'username' : 'password'} option` };
  return { family, username, password };
}
