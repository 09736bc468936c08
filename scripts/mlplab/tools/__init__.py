"""Follow, keep and share runs: mlplab-status, mlplab-evaluate, mlplab-export-mlflow. The top layer,
beside mlplab.compare; never imported by the workflow's jobs. Re-exports nothing."""
