-- sc-project ddl --diff for postgres: 1 change(s), 1 safe, 0 need(s) a rebuild
-- widgets.hits: widen, integer not null default 0 → bigint not null default 0
alter table "widgets" alter column "hits" drop default, alter column "hits" drop not null, alter column "hits" type bigint using ("hits"::bigint), alter column "hits" set default 0, alter column "hits" set not null;
