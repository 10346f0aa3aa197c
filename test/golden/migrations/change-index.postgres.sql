-- sc-project ddl --diff for postgres: 1 change(s), 1 safe, 0 need(s) a rebuild
-- widgets: add index, idx_widgets_label_199e9780 (label)
create index if not exists "idx_widgets_label_199e9780" on "widgets" ("label");
