-- sc-project ddl --diff for postgres: 1 change(s), 1 safe, 0 need(s) a rebuild
-- widgets.label: widen, varchar(64) null → varchar(255) null
alter table "widgets" alter column "label" drop default, alter column "label" drop not null, alter column "label" type varchar(255) using ("label"::varchar(255));
