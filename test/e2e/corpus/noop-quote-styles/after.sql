CREATE TABLE [Order] ([id] INTEGER PRIMARY KEY, `group` TEXT, "note" TEXT, size INTEGER);
CREATE INDEX order_group ON [Order]([group]);
CREATE VIEW `order_view` AS SELECT id, [group] FROM `Order`;
