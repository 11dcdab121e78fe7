-- The demo's sample database (scripts/demo.sh loads it into the throwaway MariaDB): a small
-- shop with the shapes a real schema has — auto-increment and string and composite keys, a
-- table without a key, unique and secondary indexes, foreign keys, CHECK constraints, ENUM,
-- JSON, DECIMAL, DATETIME/TIMESTAMP with fractions, TEXT and BLOB, unsigned integers, NULLs,
-- non-ASCII text, comments and a view. Rows are derived from seq_1_to_N, so every run loads
-- the same data.
DROP DATABASE IF EXISTS shop;
CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE shop;

CREATE TABLE customers (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  email VARCHAR(190) NOT NULL,
  full_name VARCHAR(100) NOT NULL,
  country CHAR(2) NOT NULL DEFAULT 'US',
  vip TINYINT(1) NOT NULL DEFAULT 0,
  signed_up DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  profile JSON NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_customers_email (email),
  KEY idx_customers_country (country)
) ENGINE=InnoDB COMMENT='people who buy';

CREATE TABLE products (
  sku VARCHAR(32) NOT NULL,
  title VARCHAR(200) NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  weight_kg DOUBLE NULL,
  status ENUM('active','discontinued') NOT NULL DEFAULT 'active',
  description TEXT NULL,
  thumbnail BLOB NULL,
  PRIMARY KEY (sku),
  KEY idx_products_status (status),
  CONSTRAINT chk_products_price CHECK (price >= 0)
) ENGINE=InnoDB;

CREATE TABLE orders (
  id BIGINT NOT NULL AUTO_INCREMENT,
  customer_id INT UNSIGNED NOT NULL,
  placed_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  ship_date DATE NULL,
  state ENUM('new','paid','shipped','cancelled') NOT NULL DEFAULT 'new',
  total DECIMAL(12,2) NOT NULL DEFAULT 0.00,
  note VARCHAR(500) NULL COMMENT 'free text from the checkout page',
  PRIMARY KEY (id),
  KEY idx_orders_placed (placed_at),
  KEY idx_orders_customer_state (customer_id, state),
  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;

CREATE TABLE order_items (
  order_id BIGINT NOT NULL,
  line_no SMALLINT UNSIGNED NOT NULL,
  sku VARCHAR(32) NOT NULL,
  qty INT NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL,
  PRIMARY KEY (order_id, line_no),
  KEY idx_items_sku (sku),
  CONSTRAINT fk_items_order FOREIGN KEY (order_id) REFERENCES orders (id),
  CONSTRAINT fk_items_product FOREIGN KEY (sku) REFERENCES products (sku),
  CONSTRAINT chk_items_qty CHECK (qty > 0)
) ENGINE=InnoDB;

-- No primary key: copied whole, duplicates kept.
CREATE TABLE audit_log (
  at DATETIME NOT NULL,
  actor VARCHAR(64) NULL,
  action VARCHAR(32) NOT NULL,
  payload JSON NULL
) ENGINE=InnoDB;

CREATE VIEW customer_spend AS
SELECT c.id AS customer_id, c.email, COUNT(o.id) AS orders, COALESCE(SUM(o.total), 0) AS spent
FROM customers c LEFT JOIN orders o ON o.customer_id = c.id AND o.state <> 'cancelled'
GROUP BY c.id, c.email;

INSERT INTO customers (id, email, full_name, country, vip, signed_up, profile)
SELECT seq, CONCAT('user', seq, '@example.com'),
       ELT(1 + seq % 6, 'Ana Müller', 'Björn Ødegaard', 'Chloé Durand', '王小明', 'José Núñez',
           'O''Brien, Pat'),
       ELT(1 + seq % 5, 'US', 'DE', 'FR', 'CN', 'BR'), seq % 10 = 0,
       TIMESTAMP('2023-01-01 08:00:00') + INTERVAL (seq * 3607) SECOND + INTERVAL (seq % 1000) * 1000 MICROSECOND,
       IF(seq % 4 = 0, NULL, JSON_OBJECT('newsletter', seq % 2 = 0, 'tags', JSON_ARRAY('t', seq % 7)))
FROM seq_1_to_2000;

INSERT INTO products (sku, title, price, weight_kg, status, description, thumbnail)
SELECT CONCAT('SKU-', LPAD(seq, 5, '0')), CONCAT('Product ', seq, IF(seq % 9 = 0, ' – édition spéciale', '')),
       ROUND(1 + (seq * 37 % 50000) / 100, 2), IF(seq % 8 = 0, NULL, seq / 7),
       IF(seq % 11 = 0, 'discontinued', 'active'),
       IF(seq % 5 = 0, NULL, REPEAT(CONCAT('Line ', seq, '\t"quoted"\n'), 1 + seq % 4)),
       IF(seq % 3 = 0, NULL, UNHEX(MD5(seq)))
FROM seq_1_to_500;

INSERT INTO orders (id, customer_id, placed_at, ship_date, state, total, note)
SELECT seq, 1 + seq * 7 % 2000,
       TIMESTAMP('2024-01-01 00:00:00') + INTERVAL (seq * 1511) SECOND + INTERVAL seq MICROSECOND,
       IF(seq % 4 = 0, NULL, DATE('2024-01-03') + INTERVAL (seq DIV 60) DAY),
       ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'cancelled'), 0,
       IF(seq % 13 = 0, CONCAT('leave at the door #', seq), NULL)
FROM seq_1_to_20000;

INSERT INTO order_items (order_id, line_no, sku, qty, unit_price)
SELECT o.seq, l.seq, CONCAT('SKU-', LPAD(1 + (o.seq * 13 + l.seq * 101) % 500, 5, '0')),
       1 + (o.seq + l.seq) % 5, 0
FROM seq_1_to_20000 o JOIN seq_1_to_3 l ON l.seq <= 1 + o.seq % 3;

UPDATE order_items i JOIN products p ON p.sku = i.sku SET i.unit_price = p.price;
UPDATE orders o JOIN (SELECT order_id, SUM(qty * unit_price) AS t FROM order_items GROUP BY order_id) s
  ON s.order_id = o.id SET o.total = s.t;

INSERT INTO audit_log (at, actor, action, payload)
SELECT TIMESTAMP('2024-06-01') + INTERVAL (seq DIV 3) MINUTE, IF(seq % 10 = 0, NULL, CONCAT('admin', seq % 3)),
       ELT(1 + seq % 3, 'login', 'refund', 'export'), JSON_OBJECT('n', seq DIV 2)
FROM seq_1_to_5000;

ANALYZE TABLE customers, products, orders, order_items, audit_log;
