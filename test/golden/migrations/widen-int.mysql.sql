-- sc-project ddl --diff for mysql: 1 change(s), 1 safe, 0 need(s) a rebuild
-- widgets.hits: widen, int not null default 0 → bigint not null default 0
alter table `widgets` modify `hits` bigint not null default 0;
