CREATE TABLE "inbox" (
	"consumer" text NOT NULL,
	"event_id" text NOT NULL,
	"event_type" text NOT NULL,
	"handled_at" text NOT NULL,
	CONSTRAINT "inbox_consumer_event_id_pk" PRIMARY KEY("consumer","event_id")
);
--> statement-breakpoint
CREATE TABLE "menu_items" (
	"id" text PRIMARY KEY NOT NULL,
	"store_id" text NOT NULL,
	"name" text NOT NULL,
	"price" bigint NOT NULL,
	"available" boolean NOT NULL,
	"sort_order" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"position" bigserial PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"topic" text NOT NULL,
	"key" text NOT NULL,
	"type" text NOT NULL,
	"envelope" text NOT NULL,
	"created_at" text NOT NULL,
	"published_at" text,
	"attempts" bigint DEFAULT 0 NOT NULL,
	"last_error" text,
	CONSTRAINT "outbox_event_id_unique" UNIQUE("event_id")
);
--> statement-breakpoint
CREATE TABLE "stores" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"category" text NOT NULL,
	"owner_id" text NOT NULL,
	"open" boolean NOT NULL,
	"version" bigint DEFAULT 1 NOT NULL,
	"sort_order" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tickets" (
	"order_id" text PRIMARY KEY NOT NULL,
	"store_id" text NOT NULL,
	"owner_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	"created_at" text NOT NULL,
	"updated_at" text NOT NULL,
	"items" text
);
--> statement-breakpoint
ALTER TABLE "menu_items" ADD CONSTRAINT "menu_items_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "menu_items_store" ON "menu_items" USING btree ("store_id","sort_order");--> statement-breakpoint
CREATE INDEX "outbox_unpublished" ON "outbox" USING btree ("published_at","position");--> statement-breakpoint
CREATE INDEX "tickets_owner_created" ON "tickets" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE INDEX "tickets_store" ON "tickets" USING btree ("store_id");