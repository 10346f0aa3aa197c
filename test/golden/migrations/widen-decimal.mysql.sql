-- sc-project ddl --diff for mysql: 1 change(s), 1 safe, 0 need(s) a rebuild
-- widgets.price: widen, decimal(10,2) null → decimal(14,3) null
alter table `widgets` modify `price` decimal(14,3) null;
