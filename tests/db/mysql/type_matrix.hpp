// The type matrix: a table with every MariaDB column type, rows of edge values, and the
// canonical text (docs/sdk.md) each value must read as — written by hand from the SQL below.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "support/mysql_session.hpp"

namespace ferry::testing {

inline void create_type_matrix(MysqlSession& s, const std::string& table = "types") {
  s.exec("SET SESSION sql_mode = 'STRICT_ALL_TABLES', time_zone = '+00:00'");
  s.exec("CREATE TABLE `" + table +
         "` (id INT PRIMARY KEY, "
         "ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED, "
         "mi MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, "
         "bu BIGINT UNSIGNED, d1 DECIMAL(65,30), d2 DECIMAL(10,2), f FLOAT, dbl DOUBLE, "
         "b1 BIT(1), b64 BIT(64), c CHAR(10), vc VARCHAR(100), tx TEXT, "
         "cl CHAR(10) CHARACTER SET latin1, vl VARCHAR(20) CHARACTER SET latin1, "
         "bn BINARY(4), vb VARBINARY(10), bl BLOB, dt DATE, dtm DATETIME, dtm6 DATETIME(6), "
         "ts TIMESTAMP(3) NULL DEFAULT NULL, tm TIME, tm6 TIME(6), y YEAR, "
         "e ENUM('small','medium','large'), st SET('a','b','c'), j JSON)");
  s.exec("INSERT INTO `" + table +
         "` VALUES "
         "(1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, "
         "'-99999999999999999999999999999999999.999999999999999999999999999999', -0.01, -1.5, "
         "-2.2250738585072014e-308, b'0', 0, '', '', '', 'é', '€uro', X'00000000', X'', X'00', "
         "'0000-00-00', '0000-00-00 00:00:00', '1000-01-01 00:00:00.000001', "
         "'1970-01-01 00:00:01.000', '-838:59:59', '-00:00:00.000001', 0, 'small', '', '{}'),"
         "(2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, "
         "9223372036854775807, 18446744073709551615, "
         "'99999999999999999999999999999999999.999999999999999999999999999999', 12345678.90, "
         "1.00000012, 1.7976931348623157e308, b'1', "
         "b'1111111111111111111111111111111111111111111111111111111111111111', 'abc', "
         "'😀 emoji ✓', 'line1\\nline2\\ttab\\\\', 'Ünï', 'ÿ', X'01020000', X'00090A5C', "
         "X'FF00FF', '9999-12-31', '9999-12-31 23:59:59', '9999-12-31 23:59:59.999999', "
         "'2038-01-19 03:14:07.999', '838:59:59', '-01:02:03.5', 2155, 'large', 'a,c', "
         "'{\"a\": [1, 2.5, \"x\"], \"b\": null}'),"
         "(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
         "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
         "NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
         "(4, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, '0.000000000000000000000000000001', 0.00, 0.1, 0.1, "
         "b'0', b'101', 'trail  ', 'a', 'x', 'abc', '', X'61', X'61', X'', '2024-02-29', "
         "'2024-02-29 12:34:56', '2024-02-29 12:34:56.500000', '2024-02-29 12:34:56.5', "
         "'00:00:01', '12:00:00.250000', 1901, 'medium', 'a,b,c', '[]')");
}

inline std::vector<std::vector<std::optional<std::string>>> type_matrix_expected() {
  using S = std::optional<std::string>;
  const S null = std::nullopt;
  std::vector<std::vector<S>> rows;
  rows.push_back({"1",
                  "-128",
                  "0",
                  "-32768",
                  "0",
                  "-8388608",
                  "0",
                  "-2147483648",
                  "0",
                  "-9223372036854775808",
                  "0",
                  "-99999999999999999999999999999999999.999999999999999999999999999999",
                  "-0.01",
                  "-1.5",
                  "-2.2250738585072014e-308",
                  "0",
                  "0",
                  "",
                  "",
                  "",
                  "é",
                  "€uro",
                  std::string("\0\0\0\0", 4),
                  "",
                  std::string("\0", 1),
                  "0000-00-00",
                  "0000-00-00T00:00:00",
                  "1000-01-01T00:00:00.000001",
                  "1970-01-01T00:00:01Z",
                  "-838:59:59",
                  "-0:00:00.000001",
                  "0",
                  "small",
                  "",
                  "{}"});
  rows.push_back({"2",
                  "127",
                  "255",
                  "32767",
                  "65535",
                  "8388607",
                  "16777215",
                  "2147483647",
                  "4294967295",
                  "9223372036854775807",
                  "18446744073709551615",
                  "99999999999999999999999999999999999.999999999999999999999999999999",
                  "12345678.90",
                  "1.0000001",
                  "1.7976931348623157e+308",
                  "1",
                  "18446744073709551615",
                  "abc",
                  "😀 emoji ✓",
                  "line1\nline2\ttab\\",
                  "Ünï",
                  "ÿ",
                  std::string("\x01\x02\x00\x00", 4),
                  std::string("\x00\x09\x0A\x5C", 4),
                  std::string("\xFF\x00\xFF", 3),
                  "9999-12-31",
                  "9999-12-31T23:59:59",
                  "9999-12-31T23:59:59.999999",
                  "2038-01-19T03:14:07.999Z",
                  "838:59:59",
                  "-1:02:03.5",
                  "2155",
                  "large",
                  "a,c",
                  "{\"a\": [1, 2.5, \"x\"], \"b\": null}"});
  std::vector<S> nulls(35, null);
  nulls[0] = "3";
  rows.push_back(nulls);
  rows.push_back({"4",
                  "0",
                  "1",
                  "0",
                  "1",
                  "0",
                  "1",
                  "0",
                  "1",
                  "0",
                  "1",
                  "0.000000000000000000000000000001",
                  "0.00",
                  "0.1",
                  "0.1",
                  "0",
                  "5",
                  "trail",
                  "a",
                  "x",
                  "abc",
                  "",
                  std::string("a\0\0\0", 4),
                  "a",
                  "",
                  "2024-02-29",
                  "2024-02-29T12:34:56",
                  "2024-02-29T12:34:56.5",
                  "2024-02-29T12:34:56.5Z",
                  "0:00:01",
                  "12:00:00.25",
                  "1901",
                  "medium",
                  "a,b,c",
                  "[]"});
  return rows;
}

}  // namespace ferry::testing
