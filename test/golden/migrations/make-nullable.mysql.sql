-- sc-project ddl --diff for mysql: 1 change(s), 1 safe, 0 need(s) a rebuild
-- widgets.state: make nullable, varchar(16) not null default new → varchar(16) null default new
alter table `widgets` modify `state` varchar(16) null default 'new';
