-- Rows a catalog filter left out (e.g. decisions not in force) are not rejections.
ALTER TABLE rummet.datasets ADD COLUMN rows_filtered bigint NOT NULL DEFAULT 0;
