ALTER TABLE `catalog_stores` ADD `time_zone` text DEFAULT 'Asia/Seoul' NOT NULL;--> statement-breakpoint
ALTER TABLE `catalog_stores` ADD `opening_hours` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `catalog_stores` ADD `minimum_order` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `catalog_stores` ADD `delivery_fee` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `delivery_fee` integer DEFAULT 0 NOT NULL;