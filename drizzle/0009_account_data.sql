ALTER TYPE "public"."email_token_purpose" ADD VALUE 'change_email';--> statement-breakpoint
ALTER TYPE "public"."security_event_kind" ADD VALUE 'data_exported';--> statement-breakpoint
ALTER TYPE "public"."security_event_kind" ADD VALUE 'email_change_requested';--> statement-breakpoint
ALTER TYPE "public"."security_event_kind" ADD VALUE 'email_changed';--> statement-breakpoint
ALTER TABLE "email_tokens" ADD COLUMN "new_email" text;--> statement-breakpoint
ALTER TABLE "email_tokens" ADD CONSTRAINT "email_tokens_new_email_for_change" CHECK (("email_tokens"."purpose"::text = 'change_email') = ("email_tokens"."new_email" is not null));