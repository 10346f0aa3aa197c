#!/usr/bin/env node
/**
 * A deterministic Social Commerce event stream (CONTRACT.md sections 2 and 3), as NDJSON:
 * one `{"topic","key","value"}` a line, or `{"topic","key","value_raw"}` for a bad message.
 *
 *   node scripts/generate-events.mjs --count 2000 --seed 7 --duplicates 0.03 --bad 0.003 \
 *     [--topics analytics|read-models|all] [--out FILE] [--start 2026-01-05T00:00:00Z] [--step-ms 1500]
 *
 * Same arguments, same bytes: the only source of randomness is a seeded PRNG (xmur3 + sfc32),
 * and the clock is simulated. What the stream looks like:
 * - Two worlds with their own ids: the analytics topics (`user order product promotion post
 *   community supplier`) and the read-model topics (`sc.domain.*`). Each keeps entities with a
 *   small state machine: an entity is created (`*.created` / `*.registered`, the full document)
 *   before its lifecycle events, which follow plausible transitions (an order completes or is
 *   cancelled once; a promotion is submitted, then approved or rejected, ...).
 * - The key is the entity id; `entity_version` grows by one with each event of the entity;
 *   timestamps grow with the stream; event ids are UUID v4 shaped and unique.
 * - A few orphans (`--orphans`, default 0.4 % of lifecycle events): lifecycle events of an
 *   entity whose created event never comes.
 * - Cross-entity references point at entities that exist: order customers, post authors,
 *   community members (the Δ counters of user_cards), products in orders, suppliers of
 *   products and promotions.
 * - Duplicates (`--duplicates`): the same message again (same event_id and bytes), about 40 %
 *   right after the original and the rest far from it (up to 50,000 messages back).
 * - Bad messages (`--bad`), in turn: truncated JSON, garbage, a JSON array, a JSON string, an
 *   object without event_type, an object without event_id.
 * - Text with apostrophes, accents and 4-byte emoji; some timestamps with `+00:00` and/or
 *   microseconds; items with and without variant; promotions with and without global scope.
 *
 * As a module: `generateMessages(options, stats?)` yields the same messages as objects.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';

export const ANALYTICS_TOPICS = ['user', 'order', 'product', 'promotion', 'post', 'community', 'supplier'];
export const READ_MODEL_TOPICS = ['sc.domain.user', 'sc.domain.post', 'sc.domain.order', 'sc.domain.promotion', 'sc.domain.community'];

/** Every event type of the contract, by topic (sections 2 and 3). */
export const CONTRACT_EVENT_TYPES = {
  user: ['user.registered', 'user.login', 'user.email_verified', 'user.account_locked', 'user.password_reset_requested', 'user.password_reset'],
  order: ['order.created', 'order.completed', 'order.cancelled'],
  product: ['product.created', 'product.published', 'product.discontinued', 'product.out_of_stock', 'product.deleted'],
  promotion: ['promotion.created', 'promotion.submitted', 'promotion.approved', 'promotion.rejected', 'promotion.paused', 'promotion.resumed', 'promotion.cancelled', 'promotion.ended'],
  post: ['post.created', 'post.deleted', 'post.hidden', 'post.global_distribution_approved'],
  community: ['community.created', 'community.member_joined', 'community.member_left', 'community.suspended', 'community.verified'],
  supplier: ['supplier.registered', 'supplier.login', 'supplier.documents_submitted'],
  'sc.domain.user': ['user.created', 'user.verified', 'user.profile_updated', 'user.role_changed', 'user.suspended', 'user.reactivated', 'user.stats_changed'],
  'sc.domain.post': ['post.created', 'post.published', 'post.global_approved', 'post.pinned', 'post.unpinned', 'post.stats_changed'],
  'sc.domain.promotion': ['promotion.created', 'promotion.activated', 'promotion.ended'],
  'sc.domain.order': ['order.created', 'order.payment_succeeded', 'order.payment_failed', 'order.confirmed', 'order.status_changed', 'order.item_shipped', 'order.item_delivered', 'order.cancelled', 'order.attribution_recorded'],
  'sc.domain.community': ['community.member_joined', 'community.member_left'],
};

export const BAD_KINDS = ['truncated_json', 'garbage', 'json_array', 'no_event_type', 'json_string', 'no_event_id'];

// ---------------------------------------------------------------------------------------------
// Seeded randomness: xmur3 hashes the seed string into sfc32's 128-bit state.

function xmur3(str) {
  let h = 1779033703 ^ str.length;
  for (let i = 0; i < str.length; i++) {
    h = Math.imul(h ^ str.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  return () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
}

function sfc32(a, b, c, d) {
  return () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

const HEX = '0123456789abcdef';

export function createRng(seed) {
  const h = xmur3(String(seed));
  const next = sfc32(h(), h(), h(), h());
  for (let i = 0; i < 16; i++) next();
  const rng = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    /** pairs: [[value, weight], ...] */
    weighted: (pairs) => {
      let total = 0;
      for (const [, w] of pairs) total += w;
      let r = next() * total;
      for (const [v, w] of pairs) {
        if ((r -= w) < 0) return v;
      }
      return pairs[pairs.length - 1][0];
    },
    hex: (n) => {
      let s = '';
      for (let i = 0; i < n; i++) s += HEX[Math.floor(next() * 16)];
      return s;
    },
    uuid: () => `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-${'89ab'[Math.floor(next() * 4)]}${rng.hex(3)}-${rng.hex(12)}`,
  };
  return rng;
}

/** An array with O(1) random pick, add and remove; over `cap` a random member retires. */
function pool(rng, cap) {
  const items = [];
  const remove = (x) => {
    const i = x._slot;
    if (i === undefined || items[i] !== x) return;
    const last = items.pop();
    if (last !== x) {
      items[i] = last;
      last._slot = i;
    }
    x._slot = undefined;
  };
  return {
    items,
    add(x) {
      x._slot = items.length;
      items.push(x);
      if (items.length > cap) remove(items[rng.int(0, items.length - 1)]);
    },
    remove,
    pick: () => (items.length === 0 ? undefined : items[rng.int(0, items.length - 1)]),
  };
}

// ---------------------------------------------------------------------------------------------
// Words. Apostrophes, accents and 4-byte emoji on purpose (utf8mb4 end to end).

const FIRST = ['Chloé', 'Noah', 'Zoë', 'José', 'François', 'Søren', 'Mia', 'Yuki', 'Kenji', 'Hana', 'Sofia', 'Liam', 'Amélie', 'Björn', 'Łukasz', 'Thảo', 'Aoife', 'Renée', 'Mateo', 'Ana', 'Chloe', 'Emma', 'Oliver', 'Aarav'];
const LAST = ["O'Brien", 'Garcia', 'Müller', 'Rossi', 'Dubois', 'Kim', 'Okafor', 'Smith', 'Lopez', "D'Angelo", 'Nowak', 'Núñez', 'Ødegaard', 'Çelik', 'Nguyễn', 'Johnson', 'Silva', 'Schäfer'];
const BIOS = ['Runner & maker', 'Dad of two ☕', 'Coffee addict ☕️ & plant parent 🌱', 'Sneakerhead 👟', 'Building things 🚀', "Can't stop baking 🍰", 'Voyageuse, café crème et randonnées ⛰️', 'Ski, sauna & sisu 🇫🇮', 'Photographe amateur 📷', "L'art de vivre 🍷", "I'm here for the deals 🤑", 'Größter Fan von Brettspielen 🎲', ''];
const ADJ = ['Cozy', 'Golden', 'Bold', 'Quiet', 'Wild', 'Happy', 'Retro', 'Urban', 'Smart', 'Crème', 'Über', 'Naïve'];
const NOUN = ['Board Game', 'Smart Watch', 'Linen Shirt', 'Wireless Earbuds', 'Face Serum', 'Running Shoes', 'Café Mug', 'Crêpe Pan', 'Piñata', 'Ski Jacket', "Chef's Knife", 'Yoga Mat'];
const CATEGORIES = ['electronics', 'fashion', 'sports', 'home', 'beauty', 'toys', 'food'];
const VARIANTS = ['256GB', '128GB', 'Red', 'Blue', 'XL', 'M', 'S', 'Matte Black', 'Édition limitée', 'Rosé'];
const CURRENCIES = ['USD', 'EUR', 'GBP'];
const COMPANY_WORD = ['Face', 'Ceramic', 'Textile', 'Gadget', 'Garden', 'Café', 'Atelier', 'Fjord', 'Kōgei'];
const COMPANY_SUFFIX = ['Ltd', 'SAS', 'GmbH', 'Inc', 'S.r.l.', 'AB', 'K.K.'];
const COUNTRIES = ['US', 'FR', 'DE', 'SE', 'IT', 'JP', 'BR', 'GB'];
const POST_TEXTS = ["Can't believe this price 😍", "C'est génial ! 🎉", 'Who else is going to the meetup? 🙋‍♀️', 'Best purchase this year 💯', 'Thé à la menthe, anyone? 🍵', "Don't miss this deal 🔥🔥", 'Ça marche très bien 👍', "My kid's new favourite toy 🧸", 'Naïve question: does it ship to Zürich? 🇨🇭', 'Résumé of my week: 🏃‍♂️🚴‍♀️🏊', 'Unboxing time 📦✨', 'Smørrebrød for everyone 🥪'];
const GROUP_WORD = ['Makers', 'Gamers', 'Gardeners', 'Runners', 'Cooks', 'Readers', 'Cyclistes', 'Photographes', 'Tüftler'];
const PROMO_A = ['Weekend', 'Spring', 'Holiday', 'Launch', 'Flash', 'Rentrée', 'Black Friday', "Valentine's"];
const PROMO_B = ['Sale', 'Deal', 'Bonanza', 'Offer'];
const CANCEL_REASONS = ["changed my mind, it's too late", 'found it cheaper elsewhere 🤷', 'delivery too slow', 'ordered the wrong size — désolé', 'customer_request', 'payment_timeout'];

const ascii = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z]/g, '').toLowerCase();

// ---------------------------------------------------------------------------------------------
// Shared machinery of both worlds.

function makeContext(o, rng) {
  const usedIds = new Set();
  let t = Date.parse(o.start);
  if (!Number.isFinite(t)) throw new Error(`--start is not a date: ${o.start}`);
  const ctx = {
    rng,
    orphans: o.orphans,
    /** Advance the simulated clock; every event gets a later time than the one before. */
    tick: () => (t += rng.int(1, 2 * o.stepMs)),
    /** ISO-8601 UTC; some with +00:00 and/or microseconds (the contract accepts both). */
    iso: (ms) => {
      const base = new Date(ms).toISOString();
      const r = rng.next();
      if (r < 0.92) return base;
      const micro = String(rng.int(0, 999)).padStart(3, '0');
      if (r < 0.95) return `${base.slice(0, -1)}${micro}+00:00`;
      if (r < 0.97) return `${base.slice(0, -1)}${micro}Z`;
      return `${base.slice(0, -1)}+00:00`;
    },
    eventId: () => {
      for (;;) {
        const id = rng.uuid();
        if (!usedIds.has(id)) {
          usedIds.add(id);
          return id;
        }
      }
    },
    /** An ObjectId-like 24-hex id: seconds, a world marker, random, a counter (unique). */
    idMaker: (marker) => {
      let counter = 0;
      return (ms) => Math.floor(ms / 1000).toString(16).padStart(8, '0') + marker + rng.hex(8) + (++counter).toString(16).padStart(6, '0');
    },
    /** The message of one event of `entity` (its version goes up by one). */
    event: (topic, type, entity, data, ms) => {
      entity.version += 1;
      return { topic, key: entity.id, value: { event_type: type, event_id: ctx.eventId(), timestamp: ctx.iso(ms), entity_id: entity.id, entity_version: entity.version, data } };
    },
    person: () => {
      const first = rng.pick(FIRST);
      const last = rng.pick(LAST);
      return { first, last, name: `${first} ${last}` };
    },
    email: (p) => `${ascii(p.first)}${ascii(p.last)}${rng.int(1, 9999)}@example.${rng.pick(['com', 'net', 'org'])}`,
    phone: () => (rng.chance(0.8) ? `+1-555-${rng.int(100, 999)}-${rng.int(1000, 9999)}` : `+33 6 ${rng.int(10, 99)} ${rng.int(10, 99)} ${rng.int(10, 99)} ${rng.int(10, 99)}`),
    ip: () => (rng.chance(0.9) ? `${rng.int(1, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}` : `2001:db8:${rng.hex(4)}::${rng.hex(4)}`),
    bio: () => (rng.chance(0.1) ? null : rng.pick(BIOS)),
    day: (ms) => new Date(ms).toISOString().slice(0, 10).replace(/-/g, ''),
  };
  return ctx;
}

/**
 * A world: kinds of entities with create/next, chosen by weight. `next` returns the lifecycle
 * event of an entity ({type, data, terminal}) or null when the entity has nothing more to say.
 */
function world(ctx, kinds, actions) {
  const { rng } = ctx;
  const emitCreate = (kind, t, depth = 0) => {
    const k = kinds[kind];
    const dep = k.needs?.();
    if (dep !== undefined && depth < 4) return emitCreate(dep, t, depth + 1);
    const { entity, type, data } = k.create(t);
    entity.version = 0;
    k.pool.add(entity);
    k.register?.(entity);
    return ctx.event(k.topic, type, entity, data, t);
  };
  return {
    topics: [...new Set(Object.values(kinds).map((k) => k.topic))],
    step(stats) {
      for (;;) {
        const m = this.tryStep(stats);
        if (m !== null) return m;
      }
    },
    tryStep(stats) {
      const t = ctx.tick();
      const [kind, what] = rng.weighted(actions);
      const k = kinds[kind];
      if (what === 'emit') {
        const dep = k.needs?.();
        return dep === undefined ? k.emit(t) : emitCreate(dep, t);
      }
      if (what === 'next') {
        if (rng.chance(ctx.orphans) && k.needs?.() === undefined) {
          // An orphan: an entity whose created event never comes, met somewhere in its life.
          const { entity } = k.create(t);
          entity.version = rng.int(1, 5);
          const out = k.next(entity, t);
          if (out) {
            stats.orphans++;
            return ctx.event(k.topic, out.type, entity, out.data, t);
          }
        }
        const e = k.pool.pick();
        if (e !== undefined) {
          const out = k.next(e, t);
          if (out) {
            if (out.terminal) k.pool.remove(e);
            return ctx.event(k.topic, out.type, e, out.data, t);
          }
          k.pool.remove(e);
        }
      }
      return emitCreate(kind, t);
    },
  };
}

/** The order document of section 2 (created events carry the full document). */
function orderDocument(ctx, id, t, customer, catalog, promotionIds, seq) {
  const { rng } = ctx;
  const n = rng.weighted([[1, 35], [2, 30], [3, 20], [4, 10], [5, 5]]);
  const chosen = new Set();
  const items = [];
  for (let tries = 0; items.length < n && tries < n * 4; tries++) {
    const p = rng.pick(catalog);
    if (chosen.has(p.id)) continue;
    chosen.add(p.id);
    items.push({
      product_snapshot: { product_id: p.id, name: p.name, supplier_id: p.supplier_id },
      variant_snapshot: rng.chance(0.35) ? { name: rng.pick(VARIANTS) } : null,
      quantity: rng.weighted([[1, 60], [2, 25], [3, 10], [4, 5]]),
      unit_price_cents: p.price,
    });
  }
  const subtotal = items.reduce((s, i) => s + i.quantity * i.unit_price_cents, 0);
  const promotionId = promotionIds.length > 0 && rng.chance(0.25) ? rng.pick(promotionIds) : null;
  const discount = promotionId === null ? 0 : Math.round((subtotal * rng.int(5, 30)) / 100);
  const currency = rng.pick(CURRENCIES);
  return {
    id,
    order_number: `ORD-${ctx.day(t)}-${String(seq).padStart(6, '0')}`,
    status: 'pending',
    customer: { user_id: customer.id, display_name: customer.name, email: customer.email },
    items,
    totals: { subtotal_cents: subtotal, discount_cents: discount, total_cents: subtotal - discount, currency },
    promotion_id: promotionId,
    created_at: ctx.iso(t - rng.int(5, 90)),
  };
}

function productName(rng) {
  return `${rng.pick(ADJ)} ${rng.pick(NOUN)}`;
}

function promoTitle(rng, pct) {
  return `${rng.pick(PROMO_A)} ${rng.pick(PROMO_B)} ${pct}%${rng.chance(0.1) ? ' 🔥' : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Section 2: the analytics topics.

function analyticsWorld(ctx) {
  const { rng } = ctx;
  const newId = ctx.idMaker('a1');
  const admins = Array.from({ length: 6 }, (_, i) => `695aff00a1${rng.hex(8)}${String(i + 1).padStart(6, '0')}`);
  const allUsers = [];
  const allSuppliers = [];
  const catalog = [];
  const promotionIds = [];
  const communityIds = [];
  let orderSeq = 0;
  const created = (t) => ctx.iso(t - rng.int(5, 90));

  const kinds = {
    user: {
      topic: 'user',
      pool: pool(rng, 5000),
      create(t) {
        const p = ctx.person();
        const id = newId(t);
        const role = rng.weighted([['consumer', 70], ['business', 15], ['creator', 15]]);
        const email = ctx.email(p);
        const social = rng.chance(0.1);
        const status = social ? 'active' : 'pending_verification';
        const entity = { id, name: p.name, email, role, status, verified: social, resetRequested: false };
        const data = {
          id, role, status, email_verified: social,
          contact_info: { primary_email: email, phone: ctx.phone() },
          profile: { display_name: p.name, avatar_url: `https://cdn.example.com/avatars/${id}.png`, bio: ctx.bio() },
          business_info: role === 'business' ? { company_name: `${p.last} ${rng.pick(['Trading', 'Studio', '& Fils', 'Atelier', 'Labs'])}` } : null,
          created_at: created(t),
        };
        return { entity, type: 'user.registered', data };
      },
      register: (u) => allUsers.push(u),
      next(u) {
        if (u.resetRequested && rng.chance(0.7)) {
          u.resetRequested = false;
          return { type: 'user.password_reset', data: {} };
        }
        if (!u.verified && rng.chance(0.5)) {
          u.verified = true;
          u.status = 'active';
          return { type: 'user.email_verified', data: { email: u.email, status: 'active' } };
        }
        const what = rng.weighted([['login', 80], ['locked', 4], ['reset', 8]]);
        if (what === 'locked') {
          u.status = 'locked';
          return { type: 'user.account_locked', data: { email: u.email, failed_attempts: rng.int(5, 10), lock_duration_minutes: rng.pick([15, 30, 60, 1440]) } };
        }
        if (what === 'reset') {
          u.resetRequested = true;
          return { type: 'user.password_reset_requested', data: { email: u.email } };
        }
        return { type: 'user.login', data: { email: u.email, role: u.role, ip_address: ctx.ip() } };
      },
    },
    supplier: {
      topic: 'supplier',
      pool: pool(rng, 1000),
      create(t) {
        const id = newId(t);
        const company = `${rng.pick(ADJ)} ${rng.pick(COMPANY_WORD)} ${rng.pick(COMPANY_SUFFIX)}`;
        const email = `sales@${ascii(company)}${rng.int(1, 99)}.example.com`;
        const entity = { id, company, email };
        const data = {
          id, status: rng.pick(['active', 'active', 'pending_verification']),
          contact_info: { primary_email: email, phone: ctx.phone() },
          company_info: { legal_name: company, country: rng.pick(COUNTRIES) },
          created_at: created(t),
        };
        return { entity, type: 'supplier.registered', data };
      },
      register: (s) => allSuppliers.push(s),
      next(s) {
        if (rng.chance(0.75)) return { type: 'supplier.login', data: { email: s.email, company_name: s.company, ip_address: ctx.ip() } };
        return { type: 'supplier.documents_submitted', data: { company_name: s.company, document_count: rng.int(1, 6), verification_status: rng.pick(['pending_review', 'submitted', 'resubmitted']) } };
      },
    },
    product: {
      topic: 'product',
      pool: pool(rng, 4000),
      needs: () => (allSuppliers.length === 0 ? 'supplier' : undefined),
      create(t) {
        const id = newId(t);
        const s = rng.pick(allSuppliers) ?? { id: newId(t) };
        const name = productName(rng);
        const price = rng.int(299, 49999);
        const category = rng.pick(CATEGORIES);
        const entity = { id, supplier_id: s.id, name, price, category, status: 'draft' };
        const data = {
          id, supplier_id: s.id, name,
          description: rng.chance(0.2) ? null : rng.pick([`${name} for everyday use`, `Our best-seller: it's the ${name.toLowerCase()} you'll love 💖`, `${name} — fabriqué avec soin`]),
          category, base_price_cents: price, currency: rng.pick(CURRENCIES), status: 'draft', created_at: created(t),
        };
        return { entity, type: 'product.created', data };
      },
      register: (p) => catalog.push(p),
      next(p) {
        const base = { name: p.name, supplier_id: p.supplier_id };
        const to = (status, type, terminal = false) => {
          p.status = status;
          return { type, data: base, terminal };
        };
        if (p.status === 'draft') {
          p.status = 'active';
          return { type: 'product.published', data: { ...base, category: p.category, base_price_cents: p.price } };
        }
        if (p.status === 'discontinued') return to('deleted', 'product.deleted', true);
        const what = p.status === 'out_of_stock' ? rng.weighted([['publish', 60], ['disc', 20], ['del', 20]]) : rng.weighted([['oos', 45], ['disc', 25], ['del', 10]]);
        if (what === 'publish') {
          p.status = 'active';
          return { type: 'product.published', data: { ...base, category: p.category, base_price_cents: p.price } };
        }
        if (what === 'oos') return to('out_of_stock', 'product.out_of_stock');
        if (what === 'disc') return to('discontinued', 'product.discontinued');
        return to('deleted', 'product.deleted', true);
      },
    },
    promotion: {
      topic: 'promotion',
      pool: pool(rng, 2000),
      needs: () => (allSuppliers.length === 0 ? 'supplier' : undefined),
      create(t) {
        const id = newId(t);
        const s = rng.pick(allSuppliers) ?? { id: newId(t) };
        const pct = rng.int(5, 50);
        const title = promoTitle(rng, pct);
        const type = rng.pick(['percentage', 'fixed_amount', 'bogo', 'free_shipping']);
        const status = rng.weighted([['draft', 70], ['pending_review', 30]]);
        const start = t + rng.int(1, 10) * 86_400_000;
        const entity = { id, supplier_id: s.id, title, type, status };
        const data = {
          id, supplier_id: s.id, title, promotion_type: type, status,
          discount: type === 'fixed_amount' ? { kind: 'fixed', value: rng.int(5, 50) } : { kind: 'percent', value: pct },
          schedule: { start_at: ctx.iso(start), end_at: ctx.iso(start + rng.int(7, 30) * 86_400_000) },
          created_at: created(t),
        };
        return { entity, type: 'promotion.created', data };
      },
      register: (p) => promotionIds.push(p.id),
      next(p) {
        const base = { title: p.title, supplier_id: p.supplier_id };
        const reason = () => rng.pick(['stock_issue', 'supplier_withdrew', 'budget_exhausted', "supplier's request"]);
        switch (p.status) {
          case 'draft':
            p.status = 'pending_review';
            return { type: 'promotion.submitted', data: { ...base, promotion_type: p.type, status: 'pending_review' } };
          case 'pending_review': {
            const scope = rng.pick(['global', 'community', 'followers']);
            if (rng.chance(0.75)) {
              p.status = 'scheduled';
              return { type: 'promotion.approved', data: { ...base, reviewer_id: rng.pick(admins), scope, status: 'scheduled' } };
            }
            p.status = 'rejected';
            return { type: 'promotion.rejected', data: { ...base, reviewer_id: rng.pick(admins), scope, reason: rng.pick(['discount_too_high', 'misleading_title', "doesn't meet guidelines"]), status: 'rejected' }, terminal: true };
          }
          case 'paused':
            if (rng.chance(0.7)) {
              p.status = 'active';
              return { type: 'promotion.resumed', data: base };
            }
            p.status = 'cancelled';
            return { type: 'promotion.cancelled', data: { ...base, reason: reason() }, terminal: true };
          case 'scheduled':
          case 'active': {
            const what = rng.weighted([['pause', 35], ['cancel', 15], ['end', 50]]);
            if (what === 'pause') {
              p.status = 'paused';
              return { type: 'promotion.paused', data: { ...base, reason: reason() } };
            }
            if (what === 'cancel') {
              p.status = 'cancelled';
              return { type: 'promotion.cancelled', data: { ...base, reason: reason() }, terminal: true };
            }
            p.status = 'ended';
            return { type: 'promotion.ended', data: base, terminal: true };
          }
          default:
            return null;
        }
      },
    },
    order: {
      topic: 'order',
      pool: pool(rng, 4000),
      needs: () => (allUsers.length === 0 ? 'user' : catalog.length === 0 ? 'product' : undefined),
      create(t) {
        const id = newId(t);
        const customer = rng.pick(allUsers) ?? { id: newId(t), name: 'Ghost', email: 'ghost@example.com' };
        const data = orderDocument(ctx, id, t, customer, catalog.length > 0 ? catalog : [{ id: newId(t), name: productName(rng), supplier_id: newId(t), price: 1000 }], promotionIds, ++orderSeq);
        const entity = { id, order_number: data.order_number, customer_id: customer.id, total: data.totals.total_cents, currency: data.totals.currency, item_count: data.items.length };
        return { entity, type: 'order.created', data };
      },
      next(o) {
        if (rng.chance(0.75)) {
          return { type: 'order.completed', data: { order_number: o.order_number, customer_id: o.customer_id, total_cents: o.total, currency: o.currency, item_count: o.item_count, status: 'completed' }, terminal: true };
        }
        return { type: 'order.cancelled', data: { order_number: o.order_number, customer_id: o.customer_id, total_cents: o.total, reason: rng.pick(CANCEL_REASONS) }, terminal: true };
      },
    },
    post: {
      topic: 'post',
      pool: pool(rng, 4000),
      needs: () => (allUsers.length === 0 ? 'user' : undefined),
      create(t) {
        const id = newId(t);
        const author = rng.pick(allUsers) ?? { id: newId(t), name: 'Ghost' };
        const community = communityIds.length > 0 && rng.chance(0.6) ? rng.pick(communityIds) : null;
        const entity = { id, author_id: author.id, community_id: community, status: 'published', global: false };
        const text = rng.chance(0.15) ? `${rng.pick(POST_TEXTS)} ${rng.pick(POST_TEXTS)}` : rng.pick(POST_TEXTS);
        const data = { id, author: { user_id: author.id, display_name: author.name }, community_id: community, post_type: rng.pick(['text', 'image', 'link', 'video']), status: 'published', content: { text }, created_at: created(t) };
        return { entity, type: 'post.created', data };
      },
      next(p) {
        const base = { author_id: p.author_id, community_id: p.community_id };
        const deleted = () => ({ type: 'post.deleted', data: { ...base, deleted_by: rng.chance(0.7) ? p.author_id : rng.pick(admins) }, terminal: true });
        if (p.status === 'hidden') return deleted();
        const what = rng.weighted([['global', p.global ? 0 : 40], ['hide', 30], ['delete', 30]]);
        if (what === 'global') {
          p.global = true;
          return { type: 'post.global_distribution_approved', data: { ...base, admin_id: rng.pick(admins) } };
        }
        if (what === 'hide') {
          p.status = 'hidden';
          return { type: 'post.hidden', data: { ...base, hidden_by: rng.pick(admins), reason: rng.pick(['nsfw', 'spam', 'harassment', "off-topic (it's a sales pitch)"]) } };
        }
        return deleted();
      },
    },
    community: {
      topic: 'community',
      pool: pool(rng, 500),
      needs: () => (allUsers.length === 0 ? 'user' : undefined),
      create(t) {
        const id = newId(t);
        const owner = rng.pick(allUsers) ?? { id: newId(t) };
        const name = `${rng.pick(ADJ)} ${rng.pick(GROUP_WORD)}`;
        const entity = { id, name, owner_id: owner.id, members: [owner.id], memberSet: new Set([owner.id]), verified: false };
        const data = { id, name, owner_id: owner.id, category: rng.pick(CATEGORIES), member_count: 1, status: 'active', created_at: created(t) };
        return { entity, type: 'community.created', data };
      },
      register: (c) => communityIds.push(c.id),
      next(c) {
        const what = rng.weighted([['join', 60], ['leave', c.members.length > 1 ? 30 : 0], ['verify', c.verified ? 0 : 6], ['suspend', 3]]);
        if (what === 'join') {
          for (let i = 0; i < 5 && allUsers.length > 0; i++) {
            const u = rng.pick(allUsers);
            if (c.memberSet.has(u.id)) continue;
            c.memberSet.add(u.id);
            c.members.push(u.id);
            return { type: 'community.member_joined', data: { user_id: u.id, community_name: c.name, member_count: c.members.length } };
          }
        }
        if (what === 'leave' || what === 'join') {
          if (c.members.length <= 1) return { type: 'community.verified', data: { community_name: c.name, admin_id: rng.pick(admins) } };
          const i = rng.int(1, c.members.length - 1);
          const [u] = c.members.splice(i, 1);
          c.memberSet.delete(u);
          return { type: 'community.member_left', data: { user_id: u, community_name: c.name, member_count: c.members.length } };
        }
        if (what === 'verify') {
          c.verified = true;
          return { type: 'community.verified', data: { community_name: c.name, admin_id: rng.pick(admins) } };
        }
        return { type: 'community.suspended', data: { community_name: c.name, admin_id: rng.pick(admins), reason: rng.pick(['hate_speech', 'spam', 'inactive_moderators', "owner's request"]) }, terminal: true };
      },
    },
  };
  const actions = [
    [['user', 'create'], 7], [['user', 'next'], 20],
    [['supplier', 'create'], 1], [['supplier', 'next'], 3],
    [['product', 'create'], 4], [['product', 'next'], 5],
    [['promotion', 'create'], 2.5], [['promotion', 'next'], 6],
    [['order', 'create'], 12], [['order', 'next'], 9],
    [['post', 'create'], 8], [['post', 'next'], 4],
    [['community', 'create'], 1], [['community', 'next'], 10],
  ];
  return world(ctx, kinds, actions);
}

// ---------------------------------------------------------------------------------------------
// Section 3: the read-model topics (sc.domain.*), a world of its own ids.

function readModelWorld(ctx) {
  const { rng } = ctx;
  const newId = ctx.idMaker('b2');
  const suppliers = Array.from({ length: 40 }, () => newId(Date.parse('2026-01-01T00:00:00Z')));
  const catalog = Array.from({ length: 300 }, () => ({ id: newId(Date.parse('2026-01-01T00:00:00Z')), name: productName(rng), supplier_id: rng.pick(suppliers), price: rng.int(299, 49999) }));
  const allUsers = [];
  const promotionIds = [];
  const communities = [];
  let orderSeq = 0;

  const kinds = {
    user: {
      topic: 'sc.domain.user',
      pool: pool(rng, 5000),
      create(t) {
        const id = newId(t);
        const p = ctx.person();
        const entity = { id, name: p.name, email: ctx.email(p), status: 'pending', followers: 0, following: 0 };
        const data = { display_name: p.name, avatar_url: `https://cdn.example.com/u/${id}.jpg`, bio: ctx.bio(), role: rng.weighted([['consumer', 60], ['creator', 20], ['business', 15], ['moderator', 5]]), status: 'pending', created_at: ctx.iso(t - rng.int(5, 90)) };
        return { entity, type: 'user.created', data };
      },
      register: (u) => allUsers.push(u),
      next(u) {
        if (u.status === 'pending' && rng.chance(0.6)) {
          u.status = 'active';
          return { type: 'user.verified', data: { status: 'active' } };
        }
        if (u.status === 'suspended' && rng.chance(0.6)) {
          u.status = 'active';
          return { type: 'user.reactivated', data: {} };
        }
        const what = rng.weighted([['profile', 30], ['role', 8], ['stats', 45], ['suspend', u.status === 'active' ? 5 : 0]]);
        if (what === 'profile') {
          const data = {};
          const fields = rng.weighted([[['display_name'], 3], [['bio'], 3], [['avatar_url'], 2], [['display_name', 'avatar_url', 'bio'], 2]]);
          for (const f of fields) {
            if (f === 'display_name') data.display_name = ctx.person().name;
            if (f === 'avatar_url') data.avatar_url = `https://cdn.example.com/u/${u.id}-${rng.hex(4)}.jpg`;
            if (f === 'bio') data.bio = rng.pick(BIOS);
          }
          return { type: 'user.profile_updated', data };
        }
        if (what === 'role') return { type: 'user.role_changed', data: { role: rng.pick(['consumer', 'creator', 'business', 'moderator']) } };
        if (what === 'suspend') {
          u.status = 'suspended';
          return { type: 'user.suspended', data: { reason: rng.pick(['spam', 'fraud', 'abuse', "terms of service — it's final"]) } };
        }
        u.followers += rng.int(0, 25);
        u.following += rng.int(0, 5);
        return { type: 'user.stats_changed', data: { follower_count: u.followers, following_count: u.following } };
      },
    },
    post: {
      topic: 'sc.domain.post',
      pool: pool(rng, 4000),
      needs: () => (allUsers.length === 0 ? 'user' : undefined),
      create(t) {
        const id = newId(t);
        const author = rng.pick(allUsers) ?? { id: newId(t) };
        const community = communities.length > 0 && rng.chance(0.6) ? rng.pick(communities).id : null;
        const entity = { id, status: 'draft', pinned: false, global: false, views: 0, likes: 0, comments: 0 };
        return { entity, type: 'post.created', data: { author_id: author.id, community_id: community, content_type: rng.pick(['text', 'image', 'link', 'video']), status: 'draft' } };
      },
      next(p, t) {
        if (p.status === 'draft') {
          p.status = 'published';
          return { type: 'post.published', data: { published_at: ctx.iso(t - rng.int(50, 900)) } };
        }
        const what = rng.weighted([['stats', 60], ['pin', 15], ['global', p.global ? 0 : 8]]);
        if (what === 'pin') {
          p.pinned = !p.pinned;
          return { type: p.pinned ? 'post.pinned' : 'post.unpinned', data: {} };
        }
        if (what === 'global') {
          p.global = true;
          return { type: 'post.global_approved', data: {} };
        }
        p.views += rng.int(1, 200);
        p.likes += rng.int(0, 20);
        p.comments += rng.int(0, 5);
        return { type: 'post.stats_changed', data: { view_count: p.views, like_count: p.likes, comment_count: p.comments } };
      },
    },
    promotion: {
      topic: 'sc.domain.promotion',
      pool: pool(rng, 2000),
      create(t) {
        const id = newId(t);
        const entity = { id, status: 'draft' };
        return { entity, type: 'promotion.created', data: { supplier_id: rng.pick(suppliers), title: promoTitle(rng, rng.int(5, 50)), scope: rng.weighted([['global', 35], ['community', 35], ['followers', 30]]) } };
      },
      register: (p) => promotionIds.push(p.id),
      next(p, t) {
        if (p.status === 'draft') {
          p.status = 'published';
          return { type: 'promotion.activated', data: { published_at: ctx.iso(t - rng.int(50, 900)) } };
        }
        return { type: 'promotion.ended', data: {}, terminal: true };
      },
    },
    order: {
      topic: 'sc.domain.order',
      pool: pool(rng, 4000),
      needs: () => (allUsers.length === 0 ? 'user' : undefined),
      create(t) {
        const id = newId(t);
        const customer = rng.pick(allUsers) ?? { id: newId(t), name: 'Ghost', email: 'ghost@example.com' };
        const doc = orderDocument(ctx, id, t, customer, catalog, promotionIds, ++orderSeq);
        const data = { ...doc, customer_id: customer.id };
        const entity = { id, stage: 'created', lines: doc.items.length, shipped: 0, delivered: 0, attributed: false };
        return { entity, type: 'order.created', data };
      },
      next(o, t) {
        if (!o.attributed && o.stage !== 'created' && rng.chance(0.15)) {
          o.attributed = true;
          return { type: 'order.attribution_recorded', data: { promotion_id: promotionIds.length > 0 ? rng.pick(promotionIds) : null, community_id: communities.length > 0 && rng.chance(0.8) ? rng.pick(communities).id : null } };
        }
        const cancel = () => ({ type: 'order.cancelled', data: { reason: rng.pick(CANCEL_REASONS) }, terminal: true });
        switch (o.stage) {
          case 'created':
            if (rng.chance(0.85)) {
              o.stage = 'paid';
              return { type: 'order.payment_succeeded', data: {} };
            }
            o.stage = 'failed';
            return { type: 'order.payment_failed', data: {} };
          case 'failed':
            if (rng.chance(0.5)) {
              o.stage = 'paid';
              return { type: 'order.payment_succeeded', data: {} };
            }
            return cancel();
          case 'paid':
            if (rng.chance(0.9)) {
              o.stage = 'confirmed';
              return { type: 'order.confirmed', data: { confirmed_at: ctx.iso(t - rng.int(50, 900)) } };
            }
            return cancel();
          case 'confirmed':
            o.stage = 'processing';
            return { type: 'order.status_changed', data: { status: 'processing' } };
          case 'processing':
            if (o.shipped < o.lines && (o.delivered === o.shipped || rng.chance(0.6))) return { type: 'order.item_shipped', data: { line_no: o.shipped++ } };
            if (o.delivered < o.shipped) return { type: 'order.item_delivered', data: { line_no: o.delivered++ } };
            o.stage = 'done';
            return { type: 'order.status_changed', data: { status: 'delivered' }, terminal: true };
          default:
            return null;
        }
      },
    },
    // No created event in the contract: a community is an entity id whose version counts its
    // membership events; both events move a member's card (Δ). This kind emits its own messages.
    community: {
      topic: 'sc.domain.community',
      needs: () => (allUsers.length === 0 ? 'user' : undefined),
      emit(t) {
        if (communities.length < 1 + allUsers.length / 25) communities.push({ id: newId(t), version: 0, members: [], memberSet: new Set() });
        const c = rng.pick(communities);
        if (c.members.length === 0 || rng.chance(0.7)) {
          for (let i = 0; i < 5; i++) {
            const u = rng.pick(allUsers);
            if (c.memberSet.has(u.id)) continue;
            c.memberSet.add(u.id);
            c.members.push(u.id);
            return ctx.event(this.topic, 'community.member_joined', c, { user_id: u.id, community_id: c.id }, t);
          }
          if (c.members.length === 0) return null;
        }
        const [u] = c.members.splice(rng.int(0, c.members.length - 1), 1);
        c.memberSet.delete(u);
        return ctx.event(this.topic, 'community.member_left', c, { user_id: u, community_id: c.id }, t);
      },
    },
  };
  const actions = [
    [['user', 'create'], 6], [['user', 'next'], 16],
    [['post', 'create'], 6], [['post', 'next'], 14],
    [['promotion', 'create'], 1.5], [['promotion', 'next'], 2],
    [['order', 'create'], 10], [['order', 'next'], 28],
    [['community', 'emit'], 12],
  ];
  return world(ctx, kinds, actions);
}

// ---------------------------------------------------------------------------------------------
// The stream: fresh events, duplicates and bad messages.

export const DEFAULTS = { count: 1000, seed: '1', duplicates: 0.03, bad: 0.001, topics: 'all', orphans: 0.004, start: '2026-01-05T00:00:00.000Z', stepMs: 1500 };

export function newStats() {
  return { messages: 0, events: 0, byType: {}, byTopic: {}, duplicates: { adjacent: 0, far: 0 }, bad: {}, orphans: 0 };
}

/**
 * Yields `{topic, key, value}` (an event) or `{topic, key, value_raw}` (bad bytes). Duplicates
 * are the very same object as their original. `stats` (from newStats) is filled as it goes.
 */
export function* generateMessages(options = {}, stats = newStats()) {
  const o = { ...DEFAULTS, ...options };
  if (!['analytics', 'read-models', 'all'].includes(o.topics)) throw new Error(`--topics must be analytics, read-models or all, got ${o.topics}`);
  const rng = createRng(o.seed);
  const ctx = makeContext(o, rng);
  const worlds = [];
  if (o.topics !== 'read-models') worlds.push([analyticsWorld(ctx), 1]);
  if (o.topics !== 'analytics') worlds.push([readModelWorld(ctx), 1]);
  const topics = worlds.flatMap(([w]) => w.topics);
  const RING = 50_000;
  const ring = [];
  let ringAt = 0;
  let last;
  let badTurn = 0;
  for (let n = 0; n < o.count; n++) {
    const r = rng.next();
    stats.messages++;
    if (r < o.bad) {
      const kind = BAD_KINDS[badTurn++ % BAD_KINDS.length];
      stats.bad[kind] = (stats.bad[kind] ?? 0) + 1;
      yield badMessage(ctx, kind, last, topics);
      continue;
    }
    if (r < o.bad + o.duplicates && last !== undefined) {
      let dup = last;
      if (rng.chance(0.6) && ring.length > 100) {
        // Far: at least 100 messages back, up to the ring's size.
        const back = rng.int(100, ring.length - 1);
        dup = ring[(ringAt - 1 - back + ring.length * 2) % ring.length];
        stats.duplicates.far++;
      } else {
        stats.duplicates.adjacent++;
      }
      yield dup;
      continue;
    }
    const w = rng.weighted(worlds);
    const msg = w.step(stats);
    stats.events++;
    stats.byType[`${msg.topic} ${msg.value.event_type}`] = (stats.byType[`${msg.topic} ${msg.value.event_type}`] ?? 0) + 1;
    stats.byTopic[msg.topic] = (stats.byTopic[msg.topic] ?? 0) + 1;
    if (ring.length < RING) ring.push(msg);
    else ring[ringAt] = msg;
    ringAt = (ringAt + 1) % RING;
    last = msg;
    yield msg;
  }
  return stats;
}

function badMessage(ctx, kind, last, topics) {
  const { rng } = ctx;
  const topic = last !== undefined && rng.chance(0.5) ? last.topic : rng.pick(topics);
  const key = last !== undefined && rng.chance(0.7) ? last.key : null;
  const t = new Date(ctx.tick()).toISOString();
  let raw;
  switch (kind) {
    case 'truncated_json': {
      const src = JSON.stringify(last?.value ?? { event_type: 'user.login', event_id: rng.uuid(), data: { email: 'x@example.com' } });
      raw = src.slice(0, rng.int(1, src.length - 2));
      break;
    }
    case 'garbage': {
      const chars = ['\u0000', '\u0001', '\u001b', '\u00ff', '\ufffd', '\u00e9', '🙃', '{', '}', '"', '\\', ' ', 'x', 'Z', '9', '\n', '\t'];
      raw = Array.from({ length: rng.int(1, 40) }, () => rng.pick(chars)).join('');
      break;
    }
    case 'json_array':
      raw = JSON.stringify([{ event_type: 'user.login', event_id: rng.uuid(), timestamp: t }, 42, 'x']);
      break;
    case 'json_string':
      raw = JSON.stringify(`not an event, it's a string 🤔 ${rng.hex(6)}`);
      break;
    case 'no_event_type':
      raw = JSON.stringify({ event_id: rng.uuid(), timestamp: t, entity_id: key ?? rng.hex(24), entity_version: 1, data: { note: 'no event_type here' } });
      break;
    default:
      raw = JSON.stringify({ event_type: `${topic.split('.').pop()}.created`, timestamp: t, entity_id: key ?? rng.hex(24), entity_version: 1, data: {} });
  }
  return { topic, key, value_raw: raw };
}

// ---------------------------------------------------------------------------------------------
// CLI

function parseArgs(argv) {
  const o = { ...DEFAULTS, out: undefined, quiet: false };
  const num = (name, v) => {
    const x = Number(v);
    if (v === undefined || !Number.isFinite(x) || x < 0) throw new Error(`${name} needs a number ≥ 0, got ${v}`);
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    switch (a) {
      case '--count': o.count = Math.floor(num(a, v)); i++; break;
      case '--seed': o.seed = String(v); i++; break;
      case '--duplicates': o.duplicates = num(a, v); i++; break;
      case '--bad': o.bad = num(a, v); i++; break;
      case '--orphans': o.orphans = num(a, v); i++; break;
      case '--topics': o.topics = String(v); i++; break;
      case '--out': o.out = String(v); i++; break;
      case '--start': o.start = String(v); i++; break;
      case '--step-ms': o.stepMs = Math.max(1, Math.floor(num(a, v))); i++; break;
      case '--quiet': o.quiet = true; break;
      case '-h': case '--help':
        process.stdout.write('usage: node scripts/generate-events.mjs --count N --seed S [--duplicates 0.03] [--bad 0.001] [--orphans 0.004]\n' +
          '         [--topics analytics|read-models|all] [--out FILE] [--start ISO] [--step-ms 1500] [--quiet]\n');
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${a}`);
    }
  }
  if (o.duplicates + o.bad >= 1) throw new Error('--duplicates + --bad must stay below 1');
  return o;
}

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`generate-events: ${e.message}\n`);
    process.exit(2);
  }
  const out = o.out ? createWriteStream(o.out) : process.stdout;
  const stats = newStats();
  let buf = [];
  const flush = async () => {
    if (buf.length === 0) return;
    const ok = out.write(buf.join('\n') + '\n');
    buf = [];
    if (!ok) await once(out, 'drain');
  };
  for (const m of generateMessages(o, stats)) {
    buf.push(JSON.stringify(m));
    if (buf.length >= 1000) await flush();
  }
  await flush();
  if (o.out) await new Promise((res, rej) => out.end((e) => (e ? rej(e) : res())));
  if (!o.quiet) {
    const types = Object.entries(stats.byType).sort(([a], [b]) => a.localeCompare(b));
    const expected = Object.entries(CONTRACT_EVENT_TYPES).flatMap(([topic, ts]) => ts.map((t) => `${topic} ${t}`))
      .filter((k) => (o.topics === 'all') || (o.topics === 'analytics') === ANALYTICS_TOPICS.includes(k.split(' ')[0]));
    const missing = expected.filter((k) => !(k in stats.byType));
    process.stderr.write(`generate-events: ${stats.messages} messages (${stats.events} events, ${stats.duplicates.adjacent + stats.duplicates.far} duplicates: ${stats.duplicates.adjacent} adjacent, ${stats.duplicates.far} far; ` +
      `${Object.values(stats.bad).reduce((a, b) => a + b, 0)} bad ${JSON.stringify(stats.bad)}; ${stats.orphans} orphans)${o.out ? ` → ${o.out}` : ''}\n`);
    process.stderr.write(`event types: ${types.length} of ${expected.length} in the contract; rarest: ${types.sort((a, b) => a[1] - b[1]).slice(0, 5).map(([k, n]) => `${k}=${n}`).join(', ')}\n`);
    if (missing.length > 0) process.stderr.write(`missing event types: ${missing.join(', ')}\n`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    process.stderr.write(`generate-events: ${e.stack ?? e}\n`);
    process.exit(1);
  });
}
