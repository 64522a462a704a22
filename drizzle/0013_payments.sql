CREATE TYPE "public"."billing_interval" AS ENUM('month', 'four_weeks');--> statement-breakpoint
CREATE TYPE "public"."subscriber_payment" AS ENUM('paid', 'past_due', 'canceled');--> statement-breakpoint
ALTER TYPE "public"."subscriber_status" ADD VALUE 'held' BEFORE 'active';--> statement-breakpoint
CREATE TABLE "stripe_accounts" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"charges_enabled" boolean DEFAULT false NOT NULL,
	"details_submitted" boolean DEFAULT false NOT NULL,
	"requirements_due" text[] DEFAULT '{}'::text[] NOT NULL,
	"disabled_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stripe_accounts_account_id_unique" UNIQUE("account_id")
);
--> statement-breakpoint
CREATE TABLE "stripe_events" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"account_id" text,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "series" ADD COLUMN "billing_interval" "billing_interval";--> statement-breakpoint
ALTER TABLE "series" ADD COLUMN "stripe_product_id" text;--> statement-breakpoint
ALTER TABLE "series" ADD COLUMN "stripe_price_id" text;--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "hold_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "payment" "subscriber_payment";--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "stripe_customer_id" text;--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "stripe_subscription_id" text;--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "checkout_session_id" text;--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "paid_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "cancel_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "stripe_accounts" ADD CONSTRAINT "stripe_accounts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "subscribers_hold_until_idx" ON "subscribers" USING btree ("hold_until") WHERE "subscribers"."hold_until" is not null;--> statement-breakpoint
ALTER TABLE "subscribers" ADD CONSTRAINT "subscribers_stripe_subscription_id_unique" UNIQUE("stripe_subscription_id");--> statement-breakpoint
ALTER TABLE "subscribers" ADD CONSTRAINT "subscribers_checkout_session_id_unique" UNIQUE("checkout_session_id");--> statement-breakpoint
ALTER TABLE "series" ADD CONSTRAINT "series_price" CHECK (("series"."price_minor" is null and "series"."currency" is null and "series"."billing_interval" is null) or ("series"."price_minor" > 0 and "series"."currency" ~ '^[A-Z]{3}$' and "series"."billing_interval" is not null));