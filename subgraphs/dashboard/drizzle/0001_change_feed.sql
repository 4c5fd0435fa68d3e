CREATE TABLE `dashboard_changes` (
	`position` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_id` text NOT NULL,
	`sequence` integer NOT NULL,
	`snapshot` text NOT NULL,
	`changed_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dashboard_changes_order` ON `dashboard_changes` (`order_id`,`position`);--> statement-breakpoint
ALTER TABLE `dashboards` ADD `sequence` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `dashboards` ADD `change_id` integer DEFAULT 0 NOT NULL;