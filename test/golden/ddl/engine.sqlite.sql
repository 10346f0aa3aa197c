-- sc-project ddl for sqlite; tables: 5.
-- Generated from the projection specs; change the specs, not this file.
create table if not exists `sc_consumer_positions` (`consumer_group` varchar(128) not null, `topic` varchar(249) not null, `partition` integer not null, `next_offset` bigint not null, `updated_at` text not null, primary key (`consumer_group`, `topic`, `partition`));
create table if not exists `sc_dead_letters` (`dlq_id` varchar(64) not null, `topic` varchar(249) not null, `partition` integer not null, `offset` bigint not null, `consumer_group` varchar(128) not null, `projection` varchar(128) null, `reason` text not null, `key_bytes` text null, `value_bytes` text null, `created_at` text not null, primary key (`dlq_id`));
create index if not exists `idx_sc_dead_letters_created_at_4eb91095` on `sc_dead_letters` (`created_at`);
create table if not exists `sc_processed_events` (`consumer_group` varchar(128) not null, `event_id` varchar(128) not null, `entity_id` varchar(255) null, `entity_version` bigint null, `event_type` varchar(128) not null, `processed_at` text not null, primary key (`consumer_group`, `event_id`));
create index if not exists `idx_sc_processed_events_processed_at_1fccc774` on `sc_processed_events` (`processed_at`);
create table if not exists `sc_sources` (`consumer_group` varchar(128) not null, `kind` varchar(16) not null, `lines` bigint not null, `bytes` bigint not null, `sha256` varchar(64) not null, `updated_at` text not null, primary key (`consumer_group`));
create table if not exists `sc_spec_fingerprints` (`projection` varchar(128) not null, `fingerprint` varchar(64) not null, `shape` text not null, `updated_at` text not null, primary key (`projection`));
