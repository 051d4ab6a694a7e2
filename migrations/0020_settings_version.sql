CREATE TABLE "settings_version" (
	"id" integer PRIMARY KEY NOT NULL,
	"version" bigint DEFAULT 1 NOT NULL
);
--> statement-breakpoint
INSERT INTO "settings_version" ("id", "version") VALUES (1, 1);--> statement-breakpoint
-- Every statement that changes a setting the pipeline caches bumps the version in its own
-- transaction, so a job that reads the version after the change committed reloads the settings.
CREATE FUNCTION deskpilot_bump_settings_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE settings_version SET version = version + 1 WHERE id = 1;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER taxonomy_categories_settings_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON taxonomy_categories
  FOR EACH STATEMENT EXECUTE FUNCTION deskpilot_bump_settings_version();--> statement-breakpoint
CREATE TRIGGER routing_rules_settings_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON routing_rules
  FOR EACH STATEMENT EXECUTE FUNCTION deskpilot_bump_settings_version();--> statement-breakpoint
CREATE TRIGGER kb_embedding_models_settings_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON kb_embedding_models
  FOR EACH STATEMENT EXECUTE FUNCTION deskpilot_bump_settings_version();--> statement-breakpoint
CREATE TRIGGER auto_send_policies_settings_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON auto_send_policies
  FOR EACH STATEMENT EXECUTE FUNCTION deskpilot_bump_settings_version();
