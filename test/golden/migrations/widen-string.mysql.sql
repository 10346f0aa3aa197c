-- sc-project ddl --diff for mysql: 1 change(s), 1 safe, 0 need(s) a rebuild
-- widgets.label: widen, varchar(64) null → varchar(255) null
alter table `widgets` modify `label` varchar(255) null;
