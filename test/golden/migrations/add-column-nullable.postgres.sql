-- sc-project ddl --diff for postgres: 1 change(s), 1 safe, 0 need(s) a rebuild
-- widgets.color: add column, varchar(32) null
alter table "widgets" add column "color" varchar(32) null;
