CREATE TABLE "dashboard_rebuild_floors" (
	"order_id" text PRIMARY KEY NOT NULL,
	"sequence" bigint NOT NULL,
	"facts" bigint NOT NULL,
	"rebuilt_at" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "dashboard_deliveries" ADD COLUMN "facts" bigint DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "dashboard_payments" ADD COLUMN "facts" bigint DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "dashboards" ADD COLUMN "facts" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Rows written before these counters: a refund after a capture was two payment facts, and an
-- order's facts are its status steps (one history row each), payment facts and rider.
UPDATE "dashboard_payments" SET "facts" = 2 WHERE "captured_at" IS NOT NULL AND "status" = 'REFUNDED';--> statement-breakpoint
UPDATE "dashboards" SET "facts" =
  (SELECT count(*) FROM "dashboard_events" e WHERE e."order_id" = "dashboards"."order_id")
  + COALESCE((SELECT p."facts" FROM "dashboard_payments" p WHERE p."order_id" = "dashboards"."order_id"), 0)
  + COALESCE((SELECT d."facts" FROM "dashboard_deliveries" d WHERE d."order_id" = "dashboards"."order_id"), 0);
