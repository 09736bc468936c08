"""mlplab-compare: two results folders read, judged and rendered. The top layer."""
