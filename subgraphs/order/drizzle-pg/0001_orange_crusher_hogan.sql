ALTER TABLE "catalog_stores" ADD COLUMN "time_zone" text DEFAULT 'Asia/Seoul' NOT NULL;--> statement-breakpoint
ALTER TABLE "catalog_stores" ADD COLUMN "opening_hours" text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE "catalog_stores" ADD COLUMN "minimum_order" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "catalog_stores" ADD COLUMN "delivery_fee" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "delivery_fee" bigint DEFAULT 0 NOT NULL;