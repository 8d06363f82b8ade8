# MariaDB server: store tests use the server at 127.0.0.1:3306 when one runs, else start a private one.
need_apt mariadb-server
