ALTER TABLE "users" ADD COLUMN "color_scheme" text DEFAULT 'system' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "day_starts_at" smallint DEFAULT 480 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "day_ends_at" smallint DEFAULT 1200 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "picture_on_public_pages" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_color_scheme_check" CHECK ("users"."color_scheme" in ('system', 'light', 'dark'));--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_working_hours_check" CHECK (0 <= "users"."day_starts_at" and "users"."day_starts_at" < "users"."day_ends_at" and "users"."day_ends_at" <= 1440);