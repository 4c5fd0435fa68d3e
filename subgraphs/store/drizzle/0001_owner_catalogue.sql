ALTER TABLE `menu_items` ADD `description` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `menu_items` ADD `category` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `menu_items` ADD `options` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `menu_items` ADD `removed_at` text;--> statement-breakpoint
ALTER TABLE `stores` ADD `address` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `stores` ADD `time_zone` text DEFAULT 'Asia/Seoul' NOT NULL;--> statement-breakpoint
ALTER TABLE `stores` ADD `opening_hours` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `stores` ADD `minimum_order` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `stores` ADD `delivery_fee` integer DEFAULT 0 NOT NULL;