CREATE TABLE `abandoned_orders` (
	`order_id` text PRIMARY KEY NOT NULL,
	`abandoned_at` text NOT NULL,
	`requested_by` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `saga_nudges` (
	`order_id` text PRIMARY KEY NOT NULL,
	`republished_at` text NOT NULL,
	`attempts` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `orders` ADD `announced_progress` text;--> statement-breakpoint
CREATE INDEX `orders_status_updated` ON `orders` (`status`,`updated_at`);