-- sc-project ddl --diff for postgres: 1 change(s), 1 safe, 0 need(s) a rebuild
-- widgets.state: change default, varchar(16) not null default new → varchar(16) not null default draft
alter table "widgets" alter column "state" drop default, alter column "state" drop not null, alter column "state" type varchar(16) using ("state"::varchar(16)), alter column "state" set default 'draft', alter column "state" set not null;
