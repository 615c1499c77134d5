"""Team reports from stored calls: HTML (charts inline), Excel (a sheet per section), CSV."""
