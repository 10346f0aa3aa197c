-- sc-project ddl --diff for mysql: 1 change(s), 1 safe, 0 need(s) a rebuild
-- widgets.state: change default, varchar(16) not null default new → varchar(16) not null default draft
alter table `widgets` modify `state` varchar(16) not null default 'draft';
