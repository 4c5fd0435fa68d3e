CREATE TABLE "dashboard_changes" (
	"position" bigserial PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"sequence" bigint NOT NULL,
	"snapshot" text NOT NULL,
	"changed_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dashboard_deliveries" (
	"order_id" text PRIMARY KEY NOT NULL,
	"rider_id" text NOT NULL,
	"updated_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dashboard_events" (
	"order_id" text NOT NULL,
	"version" bigint NOT NULL,
	"status" text NOT NULL,
	"at" text NOT NULL,
	CONSTRAINT "dashboard_events_order_id_version_pk" PRIMARY KEY("order_id","version")
);
--> statement-breakpoint
CREATE TABLE "dashboard_payments" (
	"order_id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"captured_at" text,
	"refunded_at" text,
	"updated_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dashboards" (
	"order_id" text PRIMARY KEY NOT NULL,
	"customer_id" text NOT NULL,
	"store_id" text NOT NULL,
	"owner_id" text NOT NULL,
	"store_name" text NOT NULL,
	"items" text NOT NULL,
	"total" bigint NOT NULL,
	"status" text NOT NULL,
	"payment_status" text,
	"rider_id" text,
	"status_reason" text,
	"version" bigint NOT NULL,
	"sequence" bigint DEFAULT 0 NOT NULL,
	"change_id" bigint DEFAULT 0 NOT NULL,
	"placed_at" text NOT NULL,
	"accepted_at" text,
	"rejected_at" text,
	"cooking_at" text,
	"ready_at" text,
	"picked_up_at" text,
	"delivered_at" text,
	"cancel_requested_at" text,
	"canceled_at" text,
	"refunded_at" text,
	"updated_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "inbox" (
	"consumer" text NOT NULL,
	"event_id" text NOT NULL,
	"event_type" text NOT NULL,
	"handled_at" text NOT NULL,
	CONSTRAINT "inbox_consumer_event_id_pk" PRIMARY KEY("consumer","event_id")
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
CREATE INDEX "dashboard_changes_order" ON "dashboard_changes" USING btree ("order_id","position");--> statement-breakpoint
CREATE INDEX "dashboards_customer" ON "dashboards" USING btree ("customer_id","placed_at");--> statement-breakpoint
CREATE INDEX "dashboards_owner" ON "dashboards" USING btree ("owner_id","placed_at");--> statement-breakpoint
CREATE INDEX "dashboards_rider" ON "dashboards" USING btree ("rider_id","placed_at");--> statement-breakpoint
CREATE INDEX "outbox_unpublished" ON "outbox" USING btree ("published_at","position");