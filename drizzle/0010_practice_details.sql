CREATE TABLE "practice_details" (
	"owner_id" uuid PRIMARY KEY NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"address" text DEFAULT '' NOT NULL,
	"tax_id" text DEFAULT '' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "practice_details_name_length" CHECK (char_length("practice_details"."name") <= 200),
	CONSTRAINT "practice_details_address_length" CHECK (char_length("practice_details"."address") <= 500),
	CONSTRAINT "practice_details_tax_id_length" CHECK (char_length("practice_details"."tax_id") <= 50)
);
--> statement-breakpoint
ALTER TABLE "practice_details" ADD CONSTRAINT "practice_details_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;