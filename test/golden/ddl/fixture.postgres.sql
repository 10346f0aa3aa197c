-- sc-project ddl for postgres (PostgreSQL 13+); tables: 4.
-- Generated from the projection specs; change the specs, not this file.
create table if not exists "order_events" ("event_id" varchar(64) collate "C" not null, "event_type" varchar(128) not null, "event_timestamp" timestamp(3) null, "event_data" jsonb null, "order_id" varchar(64) not null, constraint "order_events_pkey" primary key ("event_id"));
create index if not exists "idx_order_events_order_id_event_timestamp_6e7c4723" on "order_events" ("order_id", "event_timestamp");
create table if not exists "order_lines" ("order_id" varchar(64) collate "C" not null, "line_no" integer not null, "sku" varchar(255) collate "C" not null, "note" text null, "quantity" integer not null default 0, "total_cents" bigint not null default -1, "unit_price" numeric(12,4) not null default 0.0000, "discount" numeric(18,2) null, "is_gift" boolean not null default false, "is_paid" boolean not null default true, "status" varchar(32) not null default 'it''s new?', "placed_at" timestamp(3) not null default '1970-01-01 00:00:00.000', "shipped_at" timestamp(3) null, "attributes" jsonb null, constraint "order_lines_pkey" primary key ("order_id", "line_no"));
create unique index if not exists "uq_order_lines_order_id_sku_2377a1df" on "order_lines" ("order_id", "sku");
create index if not exists "idx_order_lines_sku_eb816ca2" on "order_lines" ("sku");
create index if not exists "idx_order_lines_status_placed_at_db086b43" on "order_lines" ("status", "placed_at");
create table if not exists "parts" ("part_id" varchar(64) collate "C" not null, "title" varchar(200) not null, "entity_version" bigint not null default 0, constraint "parts_pkey" primary key ("part_id"));
create table if not exists "supplier_community_feed_card_impressions" ("community_identifier" varchar(64) collate "C" not null, "supplier_identifier" varchar(64) collate "C" not null);
create unique index if not exists "uq_supplier_community_feed_card_impressions_community_589647bc" on "supplier_community_feed_card_impressions" ("community_identifier", "supplier_identifier");
create index if not exists "idx_supplier_community_feed_card_impressions_supplier_e918b986" on "supplier_community_feed_card_impressions" ("supplier_identifier", "community_identifier");
