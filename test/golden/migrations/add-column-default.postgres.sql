-- sc-project ddl --diff for postgres: 1 change(s), 1 safe, 0 need(s) a rebuild
-- widgets.views: add column, integer not null default 0
alter table "widgets" add column "views" integer not null default 0;
