-- pgvector powers knowledge-base retrieval; pgcrypto-free gen_random_uuid() is built in since PG 13.
CREATE EXTENSION IF NOT EXISTS vector;
