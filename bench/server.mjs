/**
 * The database server a bench run writes to, MariaDB or PostgreSQL, picked by --database-url's
 * scheme: databases made and dropped, a connection for counts and positions, the server's pid for
 * its CPU seconds, and the ceiling (c): the same final rows loaded the fastest plain way the
 * server has (multi-row INSERTs on MariaDB, COPY on PostgreSQL), no Kafka, no logic.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds (user + system) of a process from /proc/<pid>/stat; with its exited children's when asked. */
function cpuOf(pid, withChildren = false) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0)) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Process ids by their /proc comm. */
function pidsNamed(names) {
  const out = [];
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const comm = readFileSync(`/proc/${d}/comm`, 'utf8').trim();
      if (names.includes(comm)) out.push({ pid: Number(d), ppid: Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]) });
    } catch { /* gone */ }
  }
  return out;
}

export async function openServer(databaseUrl) {
  return /^postgres(ql)?:\/\//.test(databaseUrl) ? postgresServer(databaseUrl) : mariadbServer(databaseUrl);
}

async function mariadbServer(databaseUrl) {
  const mysql = (await import('mysql2/promise')).default;
  const server = new URL(databaseUrl);
  const config = {
    host: server.hostname || '127.0.0.1', port: server.port === '' ? 3306 : Number(server.port),
    user: decodeURIComponent(server.username), password: decodeURIComponent(server.password),
    charset: 'utf8mb4', timezone: 'Z', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, connectTimeout: 10_000,
  };
  const q = (n) => `\`${n}\``;
  const connect = async (database) => {
    const c = await mysql.createConnection({ ...config, ...(database ? { database } : {}) });
    return { rows: async (sql) => (await c.query(sql))[0], raw: c, end: () => c.end(), destroy: () => c.destroy() };
  };
  return {
    kind: 'mysql', name: 'MariaDB', q, connect,
    url: (name) => `mysql://${server.username}:${server.password}@${config.host}:${config.port}/${name}`,
    where: `${config.host}:${config.port}`,
    /** The server's own process: its CPU seconds are its threads'. */
    /** CPU seconds so far of the server: one process, its threads' time. */
    cpu: () => {
      const p = pidsNamed(['mariadbd', 'mysqld'])[0];
      return p === undefined ? undefined : cpuOf(p.pid);
    },
    isMissingTable: (e) => e.errno === 1146,
    async facts() {
      const c = await connect();
      const [v] = await c.rows('SELECT VERSION() AS v, @@innodb_flush_log_at_trx_commit AS flush, @@innodb_buffer_pool_size AS pool');
      await c.end();
      return { server: 'MariaDB', version: v.v, innodb_flush_log_at_trx_commit: Number(v.flush), innodb_buffer_pool_size_mb: Math.round(Number(v.pool) / 1048576) };
    },
    async createDatabase(db) {
      const c = await connect();
      await c.rows(`CREATE DATABASE ${q(db)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      await c.end();
    },
    async dropDatabases(dbs, progress) {
      const c = await connect();
      // A connection left in a transaction (a failed phase) would make DROP wait for its metadata lock.
      await c.rows('SET SESSION lock_wait_timeout = 30');
      for (const db of dbs) await c.rows(`DROP DATABASE IF EXISTS ${q(db)}`).catch((e) => progress(`drop ${db}: ${e.message}`));
      c.destroy();
    },
    /** (a)'s rows by plain multi-row INSERTs: 1,000 rows a statement, 5,000 rows a transaction. */
    async ceiling(fromDb, toDb, tables) {
      const src = await connect(fromDb);
      const data = [];
      for (const t of tables) {
        const [rows, fields] = await src.raw.query({ sql: `SELECT * FROM ${q(t)}`, rowsAsArray: true });
        // JSON columns may come back parsed; mysql2 would format an object as `k = v` pairs.
        for (const r of rows) for (let i = 0; i < r.length; i++) if (r[i] !== null && typeof r[i] === 'object' && !Buffer.isBuffer(r[i])) r[i] = JSON.stringify(r[i]);
        data.push({ table: t, columns: fields.map((f) => f.name), rows });
      }
      await src.end();
      const dst = await connect(toDb);
      // The runtime's session: strict mode and UTC (src/runtime/sinks/mysql.ts).
      await dst.rows("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO', time_zone = '+00:00'");
      let statements = 0, transactions = 0, rows = 0;
      const t0 = performance.now();
      for (const { table, columns, rows: all } of data) {
        const sql = `INSERT INTO ${q(table)} (${columns.map(q).join(',')}) VALUES ?`;
        for (let i = 0; i < all.length; i += 5000) {
          await dst.rows('START TRANSACTION');
          const end = Math.min(i + 5000, all.length);
          for (let j = i; j < end; j += 1000) {
            await dst.raw.query(sql, [all.slice(j, Math.min(j + 1000, end))]);
            statements++;
          }
          await dst.rows('COMMIT');
          transactions++;
          rows += end - i;
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      await dst.end();
      return { how: 'multi-row INSERT', rows, seconds, rows_per_s: rows / seconds, statements, transactions, tables: data.length };
    },
  };
}

async function postgresServer(databaseUrl) {
  const pg = (await import('pg')).default;
  const admin = new URL(databaseUrl);
  const q = (n) => `"${n}"`;
  const urlOf = (name) => {
    const u = new URL(databaseUrl);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const connect = async (database) => {
    const c = new pg.Client({ connectionString: database ? urlOf(database) : databaseUrl });
    c.on('error', () => undefined);
    await c.connect();
    return { rows: async (sql) => (await c.query(sql)).rows, raw: c, end: () => c.end(), destroy: () => { c.end().catch(() => undefined); } };
  };
  return {
    kind: 'postgres', name: 'PostgreSQL', q, connect, url: urlOf,
    where: `${admin.hostname}:${admin.port || 5432}`,
    /**
     * CPU seconds so far of the server: a process per connection, so every postgres process's own
     * time plus the postmaster's exited children's (a backend that ended between two readings).
     * Other clients' backends count too, as other clients' threads do in MariaDB's figure.
     */
    cpu: () => {
      const all = pidsNamed(['postgres']);
      if (all.length === 0) return undefined;
      const ids = new Set(all.map((p) => p.pid));
      const postmaster = all.find((p) => !ids.has(p.ppid));
      return all.reduce((sum, p) => sum + cpuOf(p.pid), 0) + (postmaster === undefined ? 0 : cpuOf(postmaster.pid, true) - cpuOf(postmaster.pid));
    },
    isMissingTable: (e) => e.code === '42P01',
    async facts() {
      const c = await connect();
      const [v] = await c.rows("SELECT current_setting('server_version') AS v, current_setting('synchronous_commit') AS sync, current_setting('shared_buffers') AS buffers");
      await c.end();
      return { server: 'PostgreSQL', version: v.v, synchronous_commit: v.sync, shared_buffers: v.buffers };
    },
    async createDatabase(db) {
      const c = await connect();
      await c.rows(`CREATE DATABASE ${q(db)} TEMPLATE template0 ENCODING 'UTF8'`);
      await c.end();
    },
    async dropDatabases(dbs, progress) {
      const c = await connect();
      // WITH (FORCE): a failed phase may have left a connection open.
      for (const db of dbs) await c.rows(`DROP DATABASE IF EXISTS ${q(db)} WITH (FORCE)`).catch((e) => progress(`drop ${db}: ${e.message}`));
      c.destroy();
    },
    /**
     * (a)'s rows by COPY, PostgreSQL's bulk load: each table copied out to a file the server
     * reads, then timed is only COPY FROM it, one transaction a table.
     */
    async ceiling(fromDb, toDb, tables) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'sc-bench-copy-'));
      // The server (another OS user) reads the files and writes them.
      chmodSync(dir, 0o777);
      const src = await connect(fromDb);
      const files = [];
      for (const t of tables) {
        const file = path.join(dir, `${t}.copy`);
        writeFileSync(file, '');
        chmodSync(file, 0o666);
        await src.rows(`COPY ${q(t)} TO '${file}'`);
        files.push({ table: t, file });
      }
      await src.end();
      const dst = await connect(toDb);
      let rows = 0;
      const t0 = performance.now();
      for (const { table, file } of files) {
        await dst.rows('BEGIN');
        rows += (await dst.raw.query(`COPY ${q(table)} FROM '${file}'`)).rowCount ?? 0;
        await dst.rows('COMMIT');
      }
      const seconds = (performance.now() - t0) / 1000;
      await dst.end();
      rmSync(dir, { recursive: true, force: true });
      return { how: 'COPY', rows, seconds, rows_per_s: rows / seconds, statements: files.length, transactions: files.length, tables: files.length };
    },
  };
}
