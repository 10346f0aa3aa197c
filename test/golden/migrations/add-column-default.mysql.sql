-- sc-project ddl --diff for mysql: 1 change(s), 1 safe, 0 need(s) a rebuild
-- widgets.views: add column, int not null default 0
alter table `widgets` add `views` int not null default 0;
