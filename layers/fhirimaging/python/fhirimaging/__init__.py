"""Shared layer of the FHIR R5 ImagingStudy API: validation, HTTP semantics, service and store.

Importing it pauses the cyclic garbage collector for the cold start. A cold start's imports and AWS clients
make tens of thousands of objects that all live as long as the process, so collecting while they are made
only walks them again and again (~20 ms of every cold start, ~10%). The first invocation ends the pause
(runtime.handler): it freezes what the cold start made, so that no later collection walks it either, and
collection resumes.
"""
import gc

gc.disable()
