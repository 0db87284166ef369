"""``practice bench``: the performance targets P-1 … P-9 measured as ratios against bare controls.

Lives under ``practice`` beside the other wiring (app.py, worker.py, cli.py) because, like
them, it sees every package: its data sets fill the tables of ``scheduling`` and ``reporting``
and its measurements drive the whole app. The import-linter contract allows exactly that
crossing for ``practice.bench.**`` (pyproject.toml). Nothing in the service imports it.

* `practice.bench.datasets`: the S, M and L data sets and each episode's shape (fixed seed);
* `practice.bench.rows`: that shape as rows of the real tables, parents first;
* `practice.bench.loading`: bulk loading (PostgreSQL COPY, SQLite executemany), with progress;
* `practice.bench.timing`: interleaved A/B rounds, medians and p95;
* `practice.bench.controls`: the bare controls (a bare Litestar route, replayed raw SQL);
* `practice.bench.measurements`: P-1, P-2, P-4, P-7, P-9, one function each;
* `practice.bench.rendering`: P-5 and P-6, the PDF renders; `practice.bench.scale`: P-3;
  `practice.bench.memory`: P-8, a real uvicorn worker;
* `practice.bench.child`: a child bench on a second database (P-3; P-9 during PostgreSQL runs);
* `practice.bench.report`: the table, the JSON and the machine facts;
* `practice.bench.command`: the click command.
"""
