"""``practice bench``: the performance targets P-1 … P-10 measured as ratios against bare controls.

Lives under ``practice`` beside the other wiring (app.py, worker.py, cli.py) because, like
them, it sees every package: its data sets fill the tables of ``scheduling`` and ``reporting``
and its measurements drive the whole app. The import-linter contract allows exactly that
crossing for ``bench.**`` (pyproject.toml). Nothing in the service imports it.

* `bench.datasets`: the S, M and L data sets and each episode's shape (fixed seed);
* `bench.rows`: that shape as rows of the real tables, parents first;
* `bench.loading`: bulk loading (PostgreSQL COPY, SQLite executemany), with progress;
* `bench.timing`: interleaved A/B rounds, medians and p95;
* `bench.controls`: the bare controls (a bare Litestar route, replayed raw SQL);
* `bench.measurements`: P-1, P-2, P-4, P-7, P-9, one function each;
* `bench.breakdown`: where P-4's page spends the time its SQL does not;
* `bench.rendering`: P-5 and P-6, the PDF renders; `bench.scale`: P-3;
  `bench.memory`: P-8, a real uvicorn worker; `bench.writers`: P-10, three uvicorn servers
  under wrk, with `bench.cpu` saying what the cores allow;
* `bench.child`: a child bench on a second database (P-3; P-9 during PostgreSQL runs);
* `bench.report`: the table, the JSON and the machine facts;
* `bench.command`: the click command.
"""
