-- sc-project ddl --diff for postgres: 1 change(s), 1 safe, 0 need(s) a rebuild
-- widgets.price: widen, numeric(10,2) null → numeric(14,3) null
alter table "widgets" alter column "price" drop default, alter column "price" drop not null, alter column "price" type numeric(14,3) using ("price"::numeric(14,3));
