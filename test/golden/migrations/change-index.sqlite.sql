-- sc-project ddl --diff for sqlite: 1 change(s), 1 safe, 0 need(s) a rebuild
-- widgets: add index, idx_widgets_label (label)
create index if not exists `idx_widgets_label` on `widgets` (`label`);
