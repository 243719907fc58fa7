"""cluster-impact: the effect of innovation-cluster membership on firm productivity.

This package is the application shell: the command line (``cli``, ``run_cli``), the
study runner that materialises the Dagster assets and publishes them (``runner``),
reproduction of a published set (``reproduce``), run progress (``progress``) and the
exit codes and one-line errors of every command (``errors``). Manifests and the
publishing mechanics live below, in ``study.manifest`` and ``study.publishing``. It sits above
``pipelines`` (the Dagster definitions), which sits above ``study`` (the study
layer); the estimators live in ``tfp``, ``matching``, ``did``, the input contracts in
``data_contracts`` and the publication layer in ``reports``. Nothing below this
package imports it.
"""

__version__ = "0.1.0"
