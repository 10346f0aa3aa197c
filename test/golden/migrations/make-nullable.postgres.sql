-- sc-project ddl --diff for postgres: 1 change(s), 1 safe, 0 need(s) a rebuild
-- widgets.state: make nullable, varchar(16) not null default new → varchar(16) null default new
alter table "widgets" alter column "state" drop default, alter column "state" drop not null, alter column "state" type varchar(16) using ("state"::varchar(16)), alter column "state" set default 'new';
