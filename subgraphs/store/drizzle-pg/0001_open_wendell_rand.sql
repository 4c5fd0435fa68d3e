ALTER TABLE "menu_items" ADD COLUMN "description" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "menu_items" ADD COLUMN "category" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "menu_items" ADD COLUMN "options" text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE "menu_items" ADD COLUMN "removed_at" text;--> statement-breakpoint
ALTER TABLE "stores" ADD COLUMN "address" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "stores" ADD COLUMN "time_zone" text DEFAULT 'Asia/Seoul' NOT NULL;--> statement-breakpoint
ALTER TABLE "stores" ADD COLUMN "opening_hours" text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE "stores" ADD COLUMN "minimum_order" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stores" ADD COLUMN "delivery_fee" bigint DEFAULT 0 NOT NULL;