INSERT INTO vals (anything, t, r, b, i) VALUES
   (9223372036854775807, '007', 1e308, x'', -9223372036854775808),
   ('12', '', -0.0, x'00ff00', 9007199254740993),
   (x'deadbeef', 'ünïcödé 🎉 "quotes" ''single''', 3.141592653589793, zeroblob(4), 0),
   (1.5, 'line
break', 2.2250738585072014e-308, NULL, NULL),
   (NULL, NULL, NULL, NULL, NULL);
