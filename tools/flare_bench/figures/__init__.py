"""One module per figure (or per family of figures): every `@figure` function here is part of the report."""
