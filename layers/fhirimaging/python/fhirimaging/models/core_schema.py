"""GENERATED from the pydantic models of this package by `python -m fhirimaging.models.compile`.

Do not edit. The pydantic-core schema of ImagingStudy, its config, and what each format pattern means.
"""
# ruff: noqa: E501
from functools import partial

from . import rules

_MODELS: dict[str, type] = {}


def _model(name: str) -> type:
    """The class validation instantiates for a model; a plain one suffices, as only errors are used."""
    return _MODELS.setdefault(name, type(name, (), {"__module__": __name__}))


SCHEMA = {
 'type': 'definitions',
 'schema': {
  'type': 'model',
  'cls': _model('ImagingStudy'),
  'schema': {
   'type': 'function-before',
   'function': {'type': 'no-info', 'function': partial(rules.ele_1, False)},
   'schema': {
    'type': 'model-fields',
    'fields': {
     'resourceType': {'type': 'model-field', 'schema': {'type': 'literal', 'expected': ['ImagingStudy']}},
     'id': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {'type': 'str', 'strict': True, 'pattern': '^[A-Za-z0-9\\-\\.]{1,64}$'},
       'default': None}},
     'meta': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Meta'},
       'default': None}},
     'implicitRules': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+$'},
       'default': None}},
     'language': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+( [^\\s\\x00-\\x1F]+)*$'},
       'default': None}},
     'text': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {
        'type': 'model',
        'cls': _model('Narrative'),
        'schema': {
         'type': 'function-before',
         'function': {'type': 'no-info', 'function': partial(rules.ele_1, False)},
         'schema': {
          'type': 'model-fields',
          'fields': {
           'id': {
            'type': 'model-field',
            'schema': {
             'type': 'default',
             'schema': {
              'type': 'str',
              'strict': True,
              'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
             'default': None}},
           'extension': {
            'type': 'model-field',
            'schema': {
             'type': 'default',
             'schema': {
              'type': 'list',
              'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
              'min_length': 1},
             'default': None}},
           'status': {
            'type': 'model-field',
            'schema': {'type': 'literal', 'expected': ['generated', 'extensions', 'additional', 'empty']}},
           'div': {
            'type': 'model-field',
            'schema': {'type': 'str', 'strict': True, 'pattern': '^<div[\\s>][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'}},
           'status_ext': {
            'type': 'model-field',
            'schema': {
             'type': 'default',
             'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
             'default': None},
            'validation_alias': '_status',
            'serialization_alias': '_status'}},
          'model_name': 'Narrative',
          'computed_fields': []}},
        'custom_init': False,
        'root_model': False,
        'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Narrative'},
        'ref': 'fhirimaging.models.datatypes.Narrative'},
       'default': None}},
     'contained': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {
        'type': 'list',
        'items_schema': {
         'type': 'function-wrap',
         'function': {
          'type': 'with-info',
          'function': partial(rules.check_invariants, 'ContainedResource', rules.contained_resource, False)},
         'schema': {
          'type': 'model',
          'cls': _model('ContainedResource'),
          'schema': {
           'type': 'function-before',
           'function': {'type': 'no-info', 'function': partial(rules.ele_1, False)},
           'schema': {
            'type': 'model-fields',
            'fields': {
             'resourceType': {
              'type': 'model-field',
              'schema': {'type': 'str', 'strict': True, 'pattern': '^[A-Z][A-Za-z]{1,63}$'}},
             'id': {
              'type': 'model-field',
              'schema': {
               'type': 'default',
               'schema': {'type': 'str', 'strict': True, 'pattern': '^[A-Za-z0-9\\-\\.]{1,64}$'},
               'default': None}}},
            'model_name': 'ContainedResource',
            'computed_fields': []}},
          'custom_init': False,
          'root_model': False,
          'config': {'strict': True, 'extra_fields_behavior': 'allow', 'title': 'ContainedResource'}},
         'ref': 'fhirimaging.models.imagingstudy.ContainedResource'},
        'min_length': 1},
       'default': None}},
     'extension': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {
        'type': 'list',
        'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
        'min_length': 1},
       'default': None}},
     'modifierExtension': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {
        'type': 'list',
        'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
        'min_length': 1},
       'default': None}},
     'identifier': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {
        'type': 'list',
        'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Identifier'},
        'min_length': 1},
       'default': None}},
     'status': {
      'type': 'model-field',
      'schema': {'type': 'literal', 'expected': ['registered', 'available', 'cancelled', 'entered-in-error', 'unknown']}},
     'modality': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {
        'type': 'list',
        'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.CodeableConcept'},
        'min_length': 1},
       'default': None}},
     'subject': {
      'type': 'model-field',
      'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Reference'}},
     'encounter': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Reference'},
       'default': None}},
     'started': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {
        'type': 'function-after',
        'function': {'type': 'no-info', 'function': rules.day_exists},
        'schema': {
         'type': 'str',
         'strict': True,
         'pattern': '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$'}},
       'default': None}},
     'basedOn': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {
        'type': 'list',
        'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Reference'},
        'min_length': 1},
       'default': None}},
     'partOf': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {
        'type': 'list',
        'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Reference'},
        'min_length': 1},
       'default': None}},
     'referrer': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Reference'},
       'default': None}},
     'endpoint': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {
        'type': 'list',
        'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Reference'},
        'min_length': 1},
       'default': None}},
     'numberOfSeries': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {'type': 'int', 'strict': True, 'ge': 0, 'le': 2147483647},
       'default': None}},
     'numberOfInstances': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {'type': 'int', 'strict': True, 'ge': 0, 'le': 2147483647},
       'default': None}},
     'procedure': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {
        'type': 'list',
        'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.CodeableReference'},
        'min_length': 1},
       'default': None}},
     'location': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Reference'},
       'default': None}},
     'reason': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {
        'type': 'list',
        'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.CodeableReference'},
        'min_length': 1},
       'default': None}},
     'note': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {
        'type': 'list',
        'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Annotation'},
        'min_length': 1},
       'default': None}},
     'description': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {
        'type': 'str',
        'strict': True,
        'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
       'default': None}},
     'series': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {
        'type': 'list',
        'items_schema': {
         'type': 'model',
         'cls': _model('Series'),
         'schema': {
          'type': 'function-before',
          'function': {'type': 'no-info', 'function': partial(rules.ele_1, False)},
          'schema': {
           'type': 'model-fields',
           'fields': {
            'id': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {
               'type': 'str',
               'strict': True,
               'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
              'default': None}},
            'extension': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {
               'type': 'list',
               'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
               'min_length': 1},
              'default': None}},
            'modifierExtension': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {
               'type': 'list',
               'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
               'min_length': 1},
              'default': None}},
            'uid': {
             'type': 'model-field',
             'schema': {'type': 'str', 'strict': True, 'pattern': '^[A-Za-z0-9\\-\\.]{1,64}$'}},
            'number': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {'type': 'int', 'strict': True, 'ge': 0, 'le': 2147483647},
              'default': None}},
            'modality': {
             'type': 'model-field',
             'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.CodeableConcept'}},
            'description': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {
               'type': 'str',
               'strict': True,
               'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
              'default': None}},
            'numberOfInstances': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {'type': 'int', 'strict': True, 'ge': 0, 'le': 2147483647},
              'default': None}},
            'endpoint': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {
               'type': 'list',
               'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Reference'},
               'min_length': 1},
              'default': None}},
            'bodySite': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.CodeableReference'},
              'default': None}},
            'laterality': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.CodeableConcept'},
              'default': None}},
            'specimen': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {
               'type': 'list',
               'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Reference'},
               'min_length': 1},
              'default': None}},
            'started': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {
               'type': 'function-after',
               'function': {'type': 'no-info', 'function': rules.day_exists},
               'schema': {
                'type': 'str',
                'strict': True,
                'pattern': '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$'}},
              'default': None}},
            'performer': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {
               'type': 'list',
               'items_schema': {
                'type': 'model',
                'cls': _model('Performer'),
                'schema': {
                 'type': 'function-before',
                 'function': {'type': 'no-info', 'function': partial(rules.ele_1, False)},
                 'schema': {
                  'type': 'model-fields',
                  'fields': {
                   'id': {
                    'type': 'model-field',
                    'schema': {
                     'type': 'default',
                     'schema': {
                      'type': 'str',
                      'strict': True,
                      'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
                     'default': None}},
                   'extension': {
                    'type': 'model-field',
                    'schema': {
                     'type': 'default',
                     'schema': {
                      'type': 'list',
                      'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
                      'min_length': 1},
                     'default': None}},
                   'modifierExtension': {
                    'type': 'model-field',
                    'schema': {
                     'type': 'default',
                     'schema': {
                      'type': 'list',
                      'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
                      'min_length': 1},
                     'default': None}},
                   'function': {
                    'type': 'model-field',
                    'schema': {
                     'type': 'default',
                     'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.CodeableConcept'},
                     'default': None}},
                   'actor': {
                    'type': 'model-field',
                    'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Reference'}}},
                  'model_name': 'Performer',
                  'computed_fields': []}},
                'custom_init': False,
                'root_model': False,
                'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Performer'},
                'ref': 'fhirimaging.models.imagingstudy.Performer'},
               'min_length': 1},
              'default': None}},
            'instance': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {
               'type': 'list',
               'items_schema': {
                'type': 'model',
                'cls': _model('Instance'),
                'schema': {
                 'type': 'function-before',
                 'function': {'type': 'no-info', 'function': partial(rules.ele_1, False)},
                 'schema': {
                  'type': 'model-fields',
                  'fields': {
                   'id': {
                    'type': 'model-field',
                    'schema': {
                     'type': 'default',
                     'schema': {
                      'type': 'str',
                      'strict': True,
                      'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
                     'default': None}},
                   'extension': {
                    'type': 'model-field',
                    'schema': {
                     'type': 'default',
                     'schema': {
                      'type': 'list',
                      'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
                      'min_length': 1},
                     'default': None}},
                   'modifierExtension': {
                    'type': 'model-field',
                    'schema': {
                     'type': 'default',
                     'schema': {
                      'type': 'list',
                      'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
                      'min_length': 1},
                     'default': None}},
                   'uid': {
                    'type': 'model-field',
                    'schema': {'type': 'str', 'strict': True, 'pattern': '^[A-Za-z0-9\\-\\.]{1,64}$'}},
                   'sopClass': {
                    'type': 'model-field',
                    'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Coding'}},
                   'number': {
                    'type': 'model-field',
                    'schema': {
                     'type': 'default',
                     'schema': {'type': 'int', 'strict': True, 'ge': 0, 'le': 2147483647},
                     'default': None}},
                   'title': {
                    'type': 'model-field',
                    'schema': {
                     'type': 'default',
                     'schema': {
                      'type': 'str',
                      'strict': True,
                      'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
                     'default': None}},
                   'uid_ext': {
                    'type': 'model-field',
                    'schema': {
                     'type': 'default',
                     'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
                     'default': None},
                    'validation_alias': '_uid',
                    'serialization_alias': '_uid'},
                   'number_ext': {
                    'type': 'model-field',
                    'schema': {
                     'type': 'default',
                     'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
                     'default': None},
                    'validation_alias': '_number',
                    'serialization_alias': '_number'},
                   'title_ext': {
                    'type': 'model-field',
                    'schema': {
                     'type': 'default',
                     'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
                     'default': None},
                    'validation_alias': '_title',
                    'serialization_alias': '_title'}},
                  'model_name': 'Instance',
                  'computed_fields': []}},
                'custom_init': False,
                'root_model': False,
                'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Instance'},
                'ref': 'fhirimaging.models.imagingstudy.Instance'},
               'min_length': 1},
              'default': None}},
            'uid_ext': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
              'default': None},
             'validation_alias': '_uid',
             'serialization_alias': '_uid'},
            'number_ext': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
              'default': None},
             'validation_alias': '_number',
             'serialization_alias': '_number'},
            'description_ext': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
              'default': None},
             'validation_alias': '_description',
             'serialization_alias': '_description'},
            'numberOfInstances_ext': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
              'default': None},
             'validation_alias': '_numberOfInstances',
             'serialization_alias': '_numberOfInstances'},
            'started_ext': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
              'default': None},
             'validation_alias': '_started',
             'serialization_alias': '_started'}},
           'model_name': 'Series',
           'computed_fields': []}},
         'custom_init': False,
         'root_model': False,
         'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Series'},
         'ref': 'fhirimaging.models.imagingstudy.Series'},
        'min_length': 1},
       'default': None}},
     'implicitRules_ext': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
       'default': None},
      'validation_alias': '_implicitRules',
      'serialization_alias': '_implicitRules'},
     'language_ext': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
       'default': None},
      'validation_alias': '_language',
      'serialization_alias': '_language'},
     'status_ext': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
       'default': None},
      'validation_alias': '_status',
      'serialization_alias': '_status'},
     'started_ext': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
       'default': None},
      'validation_alias': '_started',
      'serialization_alias': '_started'},
     'numberOfSeries_ext': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
       'default': None},
      'validation_alias': '_numberOfSeries',
      'serialization_alias': '_numberOfSeries'},
     'numberOfInstances_ext': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
       'default': None},
      'validation_alias': '_numberOfInstances',
      'serialization_alias': '_numberOfInstances'},
     'description_ext': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
       'default': None},
      'validation_alias': '_description',
      'serialization_alias': '_description'}},
    'model_name': 'ImagingStudy',
    'computed_fields': []}},
  'custom_init': False,
  'root_model': False,
  'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'ImagingStudy'},
  'ref': 'fhirimaging.models.imagingstudy.ImagingStudy'},
 'definitions': [
  {
   'type': 'function-wrap',
   'function': {'type': 'with-info', 'function': partial(rules.check_invariants, 'Meta', rules.meta, True)},
   'schema': {
    'type': 'model',
    'cls': _model('Meta'),
    'schema': {
     'type': 'function-before',
     'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
     'schema': {
      'type': 'model-fields',
      'fields': {
       'id': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'str',
          'strict': True,
          'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
         'default': None}},
       'extension': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'list',
          'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
          'min_length': 1},
         'default': None}},
       'versionId': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'str', 'strict': True, 'pattern': '^[A-Za-z0-9\\-\\.]{1,64}$'},
         'default': None}},
       'lastUpdated': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'function-after',
          'function': {'type': 'no-info', 'function': rules.day_exists},
          'schema': {
           'type': 'str',
           'strict': True,
           'pattern': '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$'}},
         'default': None}},
       'source': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+$'},
         'default': None}},
       'profile': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'list',
          'items_schema': {
           'type': 'nullable',
           'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+$'}},
          'min_length': 1},
         'default': None}},
       'security': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'list',
          'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Coding'},
          'min_length': 1},
         'default': None}},
       'tag': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'list',
          'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Coding'},
          'min_length': 1},
         'default': None}},
       'versionId_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_versionId',
        'serialization_alias': '_versionId'},
       'lastUpdated_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_lastUpdated',
        'serialization_alias': '_lastUpdated'},
       'source_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_source',
        'serialization_alias': '_source'},
       'profile_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'list',
          'items_schema': {
           'type': 'nullable',
           'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'}},
          'min_length': 1},
         'default': None},
        'validation_alias': '_profile',
        'serialization_alias': '_profile'}},
      'model_name': 'Meta',
      'computed_fields': []}},
    'custom_init': False,
    'root_model': False,
    'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Meta'}},
   'ref': 'fhirimaging.models.datatypes.Meta'},
  {
   'type': 'function-wrap',
   'function': {
    'type': 'with-info',
    'function': partial(rules.check_invariants, 'Extension', partial(rules.extension, frozenset(['valueAddress', 'valueAge', 'valueAnnotation', 'valueAttachment', 'valueAvailability', 'valueBase64Binary', 'valueBoolean', 'valueCanonical', 'valueCode', 'valueCodeableConcept', 'valueCodeableReference', 'valueCoding', 'valueContactDetail', 'valueContactPoint', 'valueCount', 'valueDataRequirement', 'valueDate', 'valueDateTime', 'valueDecimal', 'valueDistance', 'valueDosage', 'valueDuration', 'valueExpression', 'valueExtendedContactDetail', 'valueHumanName', 'valueId', 'valueIdentifier', 'valueInstant', 'valueInteger', 'valueInteger64', 'valueMarkdown', 'valueMeta', 'valueMoney', 'valueOid', 'valueParameterDefinition', 'valuePeriod', 'valuePositiveInt', 'valueQuantity', 'valueRange', 'valueRatio', 'valueRatioRange', 'valueReference', 'valueRelatedArtifact', 'valueSampledData', 'valueSignature', 'valueString', 'valueTime', 'valueTiming', 'valueTriggerDefinition', 'valueUnsignedInt', 'valueUri', 'valueUrl', 'valueUsageContext', 'valueUuid'])), False)},
   'schema': {
    'type': 'model',
    'cls': _model('Extension'),
    'schema': {
     'type': 'function-before',
     'function': {'type': 'no-info', 'function': partial(rules.ele_1, False)},
     'schema': {
      'type': 'model-fields',
      'fields': {
       'id': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'str',
          'strict': True,
          'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
         'default': None}},
       'extension': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'list',
          'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
          'min_length': 1},
         'default': None}},
       'url': {'type': 'model-field', 'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+$'}},
       'valueBase64Binary': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'str', 'strict': True, 'pattern': '^(\\s*[0-9a-zA-Z+/=]{4}\\s*)+$'},
         'default': None}},
       'valueBoolean': {
        'type': 'model-field',
        'schema': {'type': 'default', 'schema': {'type': 'bool', 'strict': True}, 'default': None}},
       'valueCanonical': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+$'},
         'default': None}},
       'valueCode': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+( [^\\s\\x00-\\x1F]+)*$'},
         'default': None}},
       'valueDate': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'function-after',
          'function': {'type': 'no-info', 'function': rules.day_exists},
          'schema': {
           'type': 'str',
           'strict': True,
           'pattern': '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$'}},
         'default': None}},
       'valueDateTime': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'function-after',
          'function': {'type': 'no-info', 'function': rules.day_exists},
          'schema': {
           'type': 'str',
           'strict': True,
           'pattern': '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$'}},
         'default': None}},
       'valueDecimal': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'function-plain',
          'function': {'type': 'no-info', 'function': rules.decimal},
          'json_schema_input_schema': {'type': 'any'}},
         'default': None}},
       'valueId': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'str', 'strict': True, 'pattern': '^[A-Za-z0-9\\-\\.]{1,64}$'},
         'default': None}},
       'valueInstant': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'function-after',
          'function': {'type': 'no-info', 'function': rules.day_exists},
          'schema': {
           'type': 'str',
           'strict': True,
           'pattern': '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$'}},
         'default': None}},
       'valueInteger': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'int', 'strict': True, 'ge': -2147483648, 'le': 2147483647},
         'default': None}},
       'valueInteger64': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'function-after',
          'function': {'type': 'no-info', 'function': rules.integer64_in_range},
          'schema': {'type': 'str', 'strict': True, 'pattern': '^(0|[-+]?[1-9][0-9]{0,18})$'}},
         'default': None}},
       'valueMarkdown': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'str',
          'strict': True,
          'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
         'default': None}},
       'valueOid': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'str', 'strict': True, 'pattern': '^urn:oid:[0-2](\\.(0|[1-9][0-9]*))+$'},
         'default': None}},
       'valuePositiveInt': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'int', 'strict': True, 'ge': 1, 'le': 2147483647},
         'default': None}},
       'valueString': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'str',
          'strict': True,
          'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
         'default': None}},
       'valueTime': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'str',
          'strict': True,
          'pattern': '^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?$'},
         'default': None}},
       'valueUnsignedInt': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'int', 'strict': True, 'ge': 0, 'le': 2147483647},
         'default': None}},
       'valueUri': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+$'},
         'default': None}},
       'valueUrl': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+$'},
         'default': None}},
       'valueUuid': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'str',
          'strict': True,
          'pattern': '^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'},
         'default': None}},
       'valueAddress': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'dict', 'keys_schema': {'type': 'str'}, 'values_schema': {'type': 'any'}, 'min_length': 1},
         'default': None}},
       'valueAge': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Quantity'},
         'default': None}},
       'valueAnnotation': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Annotation'},
         'default': None}},
       'valueAttachment': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'function-wrap',
          'function': {
           'type': 'with-info',
           'function': partial(rules.check_invariants, 'Attachment', rules.attachment, True)},
          'schema': {
           'type': 'model',
           'cls': _model('Attachment'),
           'schema': {
            'type': 'function-before',
            'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
            'schema': {
             'type': 'model-fields',
             'fields': {
              'id': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {
                 'type': 'str',
                 'strict': True,
                 'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
                'default': None}},
              'extension': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {
                 'type': 'list',
                 'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
                 'min_length': 1},
                'default': None}},
              'contentType': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+( [^\\s\\x00-\\x1F]+)*$'},
                'default': None}},
              'language': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+( [^\\s\\x00-\\x1F]+)*$'},
                'default': None}},
              'data': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'str', 'strict': True, 'pattern': '^(\\s*[0-9a-zA-Z+/=]{4}\\s*)+$'},
                'default': None}},
              'url': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+$'},
                'default': None}},
              'size': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {
                 'type': 'function-after',
                 'function': {'type': 'no-info', 'function': rules.integer64_in_range},
                 'schema': {'type': 'str', 'strict': True, 'pattern': '^(0|[-+]?[1-9][0-9]{0,18})$'}},
                'default': None}},
              'hash': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'str', 'strict': True, 'pattern': '^(\\s*[0-9a-zA-Z+/=]{4}\\s*)+$'},
                'default': None}},
              'title': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {
                 'type': 'str',
                 'strict': True,
                 'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
                'default': None}},
              'creation': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {
                 'type': 'function-after',
                 'function': {'type': 'no-info', 'function': rules.day_exists},
                 'schema': {
                  'type': 'str',
                  'strict': True,
                  'pattern': '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$'}},
                'default': None}},
              'height': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'int', 'strict': True, 'ge': 1, 'le': 2147483647},
                'default': None}},
              'width': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'int', 'strict': True, 'ge': 1, 'le': 2147483647},
                'default': None}},
              'frames': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'int', 'strict': True, 'ge': 1, 'le': 2147483647},
                'default': None}},
              'duration': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {
                 'type': 'function-plain',
                 'function': {'type': 'no-info', 'function': rules.decimal},
                 'json_schema_input_schema': {'type': 'any'}},
                'default': None}},
              'pages': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'int', 'strict': True, 'ge': 1, 'le': 2147483647},
                'default': None}},
              'contentType_ext': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
                'default': None},
               'validation_alias': '_contentType',
               'serialization_alias': '_contentType'},
              'language_ext': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
                'default': None},
               'validation_alias': '_language',
               'serialization_alias': '_language'},
              'data_ext': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
                'default': None},
               'validation_alias': '_data',
               'serialization_alias': '_data'},
              'url_ext': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
                'default': None},
               'validation_alias': '_url',
               'serialization_alias': '_url'},
              'size_ext': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
                'default': None},
               'validation_alias': '_size',
               'serialization_alias': '_size'},
              'hash_ext': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
                'default': None},
               'validation_alias': '_hash',
               'serialization_alias': '_hash'},
              'title_ext': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
                'default': None},
               'validation_alias': '_title',
               'serialization_alias': '_title'},
              'creation_ext': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
                'default': None},
               'validation_alias': '_creation',
               'serialization_alias': '_creation'},
              'height_ext': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
                'default': None},
               'validation_alias': '_height',
               'serialization_alias': '_height'},
              'width_ext': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
                'default': None},
               'validation_alias': '_width',
               'serialization_alias': '_width'},
              'frames_ext': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
                'default': None},
               'validation_alias': '_frames',
               'serialization_alias': '_frames'},
              'duration_ext': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
                'default': None},
               'validation_alias': '_duration',
               'serialization_alias': '_duration'},
              'pages_ext': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
                'default': None},
               'validation_alias': '_pages',
               'serialization_alias': '_pages'}},
             'model_name': 'Attachment',
             'computed_fields': []}},
           'custom_init': False,
           'root_model': False,
           'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Attachment'}},
          'ref': 'fhirimaging.models.datatypes.Attachment'},
         'default': None}},
       'valueCodeableConcept': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.CodeableConcept'},
         'default': None}},
       'valueCodeableReference': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.CodeableReference'},
         'default': None}},
       'valueCoding': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Coding'},
         'default': None}},
       'valueContactPoint': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'dict', 'keys_schema': {'type': 'str'}, 'values_schema': {'type': 'any'}, 'min_length': 1},
         'default': None}},
       'valueCount': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Quantity'},
         'default': None}},
       'valueDistance': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Quantity'},
         'default': None}},
       'valueDuration': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Quantity'},
         'default': None}},
       'valueHumanName': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'dict', 'keys_schema': {'type': 'str'}, 'values_schema': {'type': 'any'}, 'min_length': 1},
         'default': None}},
       'valueIdentifier': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Identifier'},
         'default': None}},
       'valueMoney': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'model',
          'cls': _model('Money'),
          'schema': {
           'type': 'function-before',
           'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
           'schema': {
            'type': 'model-fields',
            'fields': {
             'id': {
              'type': 'model-field',
              'schema': {
               'type': 'default',
               'schema': {
                'type': 'str',
                'strict': True,
                'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
               'default': None}},
             'extension': {
              'type': 'model-field',
              'schema': {
               'type': 'default',
               'schema': {
                'type': 'list',
                'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
                'min_length': 1},
               'default': None}},
             'value': {
              'type': 'model-field',
              'schema': {
               'type': 'default',
               'schema': {
                'type': 'function-plain',
                'function': {'type': 'no-info', 'function': rules.decimal},
                'json_schema_input_schema': {'type': 'any'}},
               'default': None}},
             'currency': {
              'type': 'model-field',
              'schema': {
               'type': 'default',
               'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+( [^\\s\\x00-\\x1F]+)*$'},
               'default': None}},
             'value_ext': {
              'type': 'model-field',
              'schema': {
               'type': 'default',
               'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
               'default': None},
              'validation_alias': '_value',
              'serialization_alias': '_value'},
             'currency_ext': {
              'type': 'model-field',
              'schema': {
               'type': 'default',
               'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
               'default': None},
              'validation_alias': '_currency',
              'serialization_alias': '_currency'}},
            'model_name': 'Money',
            'computed_fields': []}},
          'custom_init': False,
          'root_model': False,
          'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Money'},
          'ref': 'fhirimaging.models.datatypes.Money'},
         'default': None}},
       'valuePeriod': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Period'},
         'default': None}},
       'valueQuantity': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Quantity'},
         'default': None}},
       'valueRange': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'model',
          'cls': _model('Range'),
          'schema': {
           'type': 'function-before',
           'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
           'schema': {
            'type': 'model-fields',
            'fields': {
             'id': {
              'type': 'model-field',
              'schema': {
               'type': 'default',
               'schema': {
                'type': 'str',
                'strict': True,
                'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
               'default': None}},
             'extension': {
              'type': 'model-field',
              'schema': {
               'type': 'default',
               'schema': {
                'type': 'list',
                'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
                'min_length': 1},
               'default': None}},
             'low': {
              'type': 'model-field',
              'schema': {
               'type': 'default',
               'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.SimpleQuantity'},
               'default': None}},
             'high': {
              'type': 'model-field',
              'schema': {
               'type': 'default',
               'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.SimpleQuantity'},
               'default': None}}},
            'model_name': 'Range',
            'computed_fields': []}},
          'custom_init': False,
          'root_model': False,
          'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Range'},
          'ref': 'fhirimaging.models.datatypes.Range'},
         'default': None}},
       'valueRatio': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'function-wrap',
          'function': {'type': 'with-info', 'function': partial(rules.check_invariants, 'Ratio', rules.ratio, True)},
          'schema': {
           'type': 'model',
           'cls': _model('Ratio'),
           'schema': {
            'type': 'function-before',
            'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
            'schema': {
             'type': 'model-fields',
             'fields': {
              'id': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {
                 'type': 'str',
                 'strict': True,
                 'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
                'default': None}},
              'extension': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {
                 'type': 'list',
                 'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
                 'min_length': 1},
                'default': None}},
              'numerator': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Quantity'},
                'default': None}},
              'denominator': {
               'type': 'model-field',
               'schema': {
                'type': 'default',
                'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.SimpleQuantity'},
                'default': None}}},
             'model_name': 'Ratio',
             'computed_fields': []}},
           'custom_init': False,
           'root_model': False,
           'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Ratio'}},
          'ref': 'fhirimaging.models.datatypes.Ratio'},
         'default': None}},
       'valueRatioRange': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'dict', 'keys_schema': {'type': 'str'}, 'values_schema': {'type': 'any'}, 'min_length': 1},
         'default': None}},
       'valueReference': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Reference'},
         'default': None}},
       'valueSampledData': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'dict', 'keys_schema': {'type': 'str'}, 'values_schema': {'type': 'any'}, 'min_length': 1},
         'default': None}},
       'valueSignature': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'dict', 'keys_schema': {'type': 'str'}, 'values_schema': {'type': 'any'}, 'min_length': 1},
         'default': None}},
       'valueTiming': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'dict', 'keys_schema': {'type': 'str'}, 'values_schema': {'type': 'any'}, 'min_length': 1},
         'default': None}},
       'valueContactDetail': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'dict', 'keys_schema': {'type': 'str'}, 'values_schema': {'type': 'any'}, 'min_length': 1},
         'default': None}},
       'valueDataRequirement': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'dict', 'keys_schema': {'type': 'str'}, 'values_schema': {'type': 'any'}, 'min_length': 1},
         'default': None}},
       'valueExpression': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'dict', 'keys_schema': {'type': 'str'}, 'values_schema': {'type': 'any'}, 'min_length': 1},
         'default': None}},
       'valueParameterDefinition': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'dict', 'keys_schema': {'type': 'str'}, 'values_schema': {'type': 'any'}, 'min_length': 1},
         'default': None}},
       'valueRelatedArtifact': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'dict', 'keys_schema': {'type': 'str'}, 'values_schema': {'type': 'any'}, 'min_length': 1},
         'default': None}},
       'valueTriggerDefinition': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'dict', 'keys_schema': {'type': 'str'}, 'values_schema': {'type': 'any'}, 'min_length': 1},
         'default': None}},
       'valueUsageContext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'dict', 'keys_schema': {'type': 'str'}, 'values_schema': {'type': 'any'}, 'min_length': 1},
         'default': None}},
       'valueAvailability': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'dict', 'keys_schema': {'type': 'str'}, 'values_schema': {'type': 'any'}, 'min_length': 1},
         'default': None}},
       'valueExtendedContactDetail': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'dict', 'keys_schema': {'type': 'str'}, 'values_schema': {'type': 'any'}, 'min_length': 1},
         'default': None}},
       'valueDosage': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'dict', 'keys_schema': {'type': 'str'}, 'values_schema': {'type': 'any'}, 'min_length': 1},
         'default': None}},
       'valueMeta': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Meta'},
         'default': None}},
       'valueBase64Binary_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valueBase64Binary',
        'serialization_alias': '_valueBase64Binary'},
       'valueBoolean_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valueBoolean',
        'serialization_alias': '_valueBoolean'},
       'valueCanonical_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valueCanonical',
        'serialization_alias': '_valueCanonical'},
       'valueCode_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valueCode',
        'serialization_alias': '_valueCode'},
       'valueDate_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valueDate',
        'serialization_alias': '_valueDate'},
       'valueDateTime_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valueDateTime',
        'serialization_alias': '_valueDateTime'},
       'valueDecimal_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valueDecimal',
        'serialization_alias': '_valueDecimal'},
       'valueId_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valueId',
        'serialization_alias': '_valueId'},
       'valueInstant_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valueInstant',
        'serialization_alias': '_valueInstant'},
       'valueInteger_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valueInteger',
        'serialization_alias': '_valueInteger'},
       'valueInteger64_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valueInteger64',
        'serialization_alias': '_valueInteger64'},
       'valueMarkdown_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valueMarkdown',
        'serialization_alias': '_valueMarkdown'},
       'valueOid_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valueOid',
        'serialization_alias': '_valueOid'},
       'valuePositiveInt_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valuePositiveInt',
        'serialization_alias': '_valuePositiveInt'},
       'valueString_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valueString',
        'serialization_alias': '_valueString'},
       'valueTime_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valueTime',
        'serialization_alias': '_valueTime'},
       'valueUnsignedInt_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valueUnsignedInt',
        'serialization_alias': '_valueUnsignedInt'},
       'valueUri_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valueUri',
        'serialization_alias': '_valueUri'},
       'valueUrl_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valueUrl',
        'serialization_alias': '_valueUrl'},
       'valueUuid_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_valueUuid',
        'serialization_alias': '_valueUuid'}},
      'model_name': 'Extension',
      'computed_fields': []}},
    'custom_init': False,
    'root_model': False,
    'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Extension'}},
   'ref': 'fhirimaging.models.datatypes.Extension'},
  {
   'type': 'function-wrap',
   'function': {
    'type': 'with-info',
    'function': partial(rules.check_invariants, 'Quantity', rules.simple_quantity, True)},
   'schema': {
    'type': 'model',
    'cls': _model('Quantity'),
    'schema': {
     'type': 'function-before',
     'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
     'schema': {
      'type': 'model-fields',
      'fields': {
       'id': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'str',
          'strict': True,
          'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
         'default': None}},
       'extension': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'list',
          'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
          'min_length': 1},
         'default': None}},
       'value': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'function-plain',
          'function': {'type': 'no-info', 'function': rules.decimal},
          'json_schema_input_schema': {'type': 'any'}},
         'default': None}},
       'unit': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'str',
          'strict': True,
          'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
         'default': None}},
       'system': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+$'},
         'default': None}},
       'code': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+( [^\\s\\x00-\\x1F]+)*$'},
         'default': None}},
       'value_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_value',
        'serialization_alias': '_value'},
       'unit_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_unit',
        'serialization_alias': '_unit'},
       'system_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_system',
        'serialization_alias': '_system'},
       'code_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_code',
        'serialization_alias': '_code'},
       'comparator': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'literal', 'expected': ['<', '<=', '>=', '>', 'ad']},
         'default': None}},
       'comparator_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_comparator',
        'serialization_alias': '_comparator'}},
      'model_name': 'Quantity',
      'computed_fields': []}},
    'custom_init': False,
    'root_model': False,
    'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Quantity'}},
   'ref': 'fhirimaging.models.datatypes.Quantity'},
  {
   'type': 'model',
   'cls': _model('PrimitiveElement'),
   'schema': {
    'type': 'function-before',
    'function': {'type': 'no-info', 'function': partial(rules.ele_1, False)},
    'schema': {
     'type': 'model-fields',
     'fields': {
      'id': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {
         'type': 'str',
         'strict': True,
         'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
        'default': None}},
      'extension': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {
         'type': 'list',
         'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
         'min_length': 1},
        'default': None}}},
     'model_name': 'PrimitiveElement',
     'computed_fields': []}},
   'custom_init': False,
   'root_model': False,
   'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'PrimitiveElement'},
   'ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
  {
   'type': 'function-wrap',
   'function': {'type': 'with-info', 'function': partial(rules.check_invariants, 'Annotation', rules.annotation, False)},
   'schema': {
    'type': 'model',
    'cls': _model('Annotation'),
    'schema': {
     'type': 'function-before',
     'function': {'type': 'no-info', 'function': partial(rules.ele_1, False)},
     'schema': {
      'type': 'model-fields',
      'fields': {
       'id': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'str',
          'strict': True,
          'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
         'default': None}},
       'extension': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'list',
          'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
          'min_length': 1},
         'default': None}},
       'authorReference': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Reference'},
         'default': None}},
       'authorString': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'str',
          'strict': True,
          'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
         'default': None}},
       'time': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'function-after',
          'function': {'type': 'no-info', 'function': rules.day_exists},
          'schema': {
           'type': 'str',
           'strict': True,
           'pattern': '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$'}},
         'default': None}},
       'text': {
        'type': 'model-field',
        'schema': {
         'type': 'str',
         'strict': True,
         'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'}},
       'authorString_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_authorString',
        'serialization_alias': '_authorString'},
       'time_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_time',
        'serialization_alias': '_time'},
       'text_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_text',
        'serialization_alias': '_text'}},
      'model_name': 'Annotation',
      'computed_fields': []}},
    'custom_init': False,
    'root_model': False,
    'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Annotation'}},
   'ref': 'fhirimaging.models.datatypes.Annotation'},
  {
   'type': 'function-wrap',
   'function': {'type': 'with-info', 'function': partial(rules.check_invariants, 'Reference', rules.reference, True)},
   'schema': {
    'type': 'model',
    'cls': _model('Reference'),
    'schema': {
     'type': 'function-before',
     'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
     'schema': {
      'type': 'model-fields',
      'fields': {
       'id': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'str',
          'strict': True,
          'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
         'default': None}},
       'extension': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'list',
          'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
          'min_length': 1},
         'default': None}},
       'reference': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'str',
          'strict': True,
          'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
         'default': None}},
       'type': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+$'},
         'default': None}},
       'identifier': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Identifier'},
         'default': None}},
       'display': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'str',
          'strict': True,
          'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
         'default': None}},
       'reference_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_reference',
        'serialization_alias': '_reference'},
       'type_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_type',
        'serialization_alias': '_type'},
       'display_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_display',
        'serialization_alias': '_display'}},
      'model_name': 'Reference',
      'computed_fields': []}},
    'custom_init': False,
    'root_model': False,
    'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Reference'}},
   'ref': 'fhirimaging.models.datatypes.Reference'},
  {
   'type': 'model',
   'cls': _model('Identifier'),
   'schema': {
    'type': 'function-before',
    'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
    'schema': {
     'type': 'model-fields',
     'fields': {
      'id': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {
         'type': 'str',
         'strict': True,
         'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
        'default': None}},
      'extension': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {
         'type': 'list',
         'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
         'min_length': 1},
        'default': None}},
      'use': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {'type': 'literal', 'expected': ['usual', 'official', 'temp', 'secondary', 'old']},
        'default': None}},
      'type': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.CodeableConcept'},
        'default': None}},
      'system': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+$'},
        'default': None}},
      'value': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {
         'type': 'str',
         'strict': True,
         'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
        'default': None}},
      'period': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Period'},
        'default': None}},
      'assigner': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Reference'},
        'default': None}},
      'use_ext': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
        'default': None},
       'validation_alias': '_use',
       'serialization_alias': '_use'},
      'system_ext': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
        'default': None},
       'validation_alias': '_system',
       'serialization_alias': '_system'},
      'value_ext': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
        'default': None},
       'validation_alias': '_value',
       'serialization_alias': '_value'}},
     'model_name': 'Identifier',
     'computed_fields': []}},
   'custom_init': False,
   'root_model': False,
   'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Identifier'},
   'ref': 'fhirimaging.models.datatypes.Identifier'},
  {
   'type': 'model',
   'cls': _model('CodeableConcept'),
   'schema': {
    'type': 'function-before',
    'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
    'schema': {
     'type': 'model-fields',
     'fields': {
      'id': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {
         'type': 'str',
         'strict': True,
         'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
        'default': None}},
      'extension': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {
         'type': 'list',
         'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
         'min_length': 1},
        'default': None}},
      'coding': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {
         'type': 'list',
         'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Coding'},
         'min_length': 1},
        'default': None}},
      'text': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {
         'type': 'str',
         'strict': True,
         'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
        'default': None}},
      'text_ext': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
        'default': None},
       'validation_alias': '_text',
       'serialization_alias': '_text'}},
     'model_name': 'CodeableConcept',
     'computed_fields': []}},
   'custom_init': False,
   'root_model': False,
   'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'CodeableConcept'},
   'ref': 'fhirimaging.models.datatypes.CodeableConcept'},
  {
   'type': 'model',
   'cls': _model('Coding'),
   'schema': {
    'type': 'function-before',
    'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
    'schema': {
     'type': 'model-fields',
     'fields': {
      'id': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {
         'type': 'str',
         'strict': True,
         'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
        'default': None}},
      'extension': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {
         'type': 'list',
         'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
         'min_length': 1},
        'default': None}},
      'system': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+$'},
        'default': None}},
      'version': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {
         'type': 'str',
         'strict': True,
         'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
        'default': None}},
      'code': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+( [^\\s\\x00-\\x1F]+)*$'},
        'default': None}},
      'display': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {
         'type': 'str',
         'strict': True,
         'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
        'default': None}},
      'userSelected': {
       'type': 'model-field',
       'schema': {'type': 'default', 'schema': {'type': 'bool', 'strict': True}, 'default': None}},
      'system_ext': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
        'default': None},
       'validation_alias': '_system',
       'serialization_alias': '_system'},
      'version_ext': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
        'default': None},
       'validation_alias': '_version',
       'serialization_alias': '_version'},
      'code_ext': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
        'default': None},
       'validation_alias': '_code',
       'serialization_alias': '_code'},
      'display_ext': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
        'default': None},
       'validation_alias': '_display',
       'serialization_alias': '_display'},
      'userSelected_ext': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
        'default': None},
       'validation_alias': '_userSelected',
       'serialization_alias': '_userSelected'}},
     'model_name': 'Coding',
     'computed_fields': []}},
   'custom_init': False,
   'root_model': False,
   'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Coding'},
   'ref': 'fhirimaging.models.datatypes.Coding'},
  {
   'type': 'function-wrap',
   'function': {'type': 'with-info', 'function': partial(rules.check_invariants, 'Period', rules.period, True)},
   'schema': {
    'type': 'model',
    'cls': _model('Period'),
    'schema': {
     'type': 'function-before',
     'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
     'schema': {
      'type': 'model-fields',
      'fields': {
       'id': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'str',
          'strict': True,
          'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
         'default': None}},
       'extension': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'list',
          'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
          'min_length': 1},
         'default': None}},
       'start': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'function-after',
          'function': {'type': 'no-info', 'function': rules.day_exists},
          'schema': {
           'type': 'str',
           'strict': True,
           'pattern': '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$'}},
         'default': None}},
       'end': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'function-after',
          'function': {'type': 'no-info', 'function': rules.day_exists},
          'schema': {
           'type': 'str',
           'strict': True,
           'pattern': '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$'}},
         'default': None}},
       'start_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_start',
        'serialization_alias': '_start'},
       'end_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_end',
        'serialization_alias': '_end'}},
      'model_name': 'Period',
      'computed_fields': []}},
    'custom_init': False,
    'root_model': False,
    'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Period'}},
   'ref': 'fhirimaging.models.datatypes.Period'},
  {
   'type': 'model',
   'cls': _model('CodeableReference'),
   'schema': {
    'type': 'function-before',
    'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
    'schema': {
     'type': 'model-fields',
     'fields': {
      'id': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {
         'type': 'str',
         'strict': True,
         'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
        'default': None}},
      'extension': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {
         'type': 'list',
         'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
         'min_length': 1},
        'default': None}},
      'concept': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.CodeableConcept'},
        'default': None}},
      'reference': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Reference'},
        'default': None}}},
     'model_name': 'CodeableReference',
     'computed_fields': []}},
   'custom_init': False,
   'root_model': False,
   'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'CodeableReference'},
   'ref': 'fhirimaging.models.datatypes.CodeableReference'},
  {
   'type': 'function-wrap',
   'function': {
    'type': 'with-info',
    'function': partial(rules.check_invariants, 'SimpleQuantity', rules.simple_quantity, True)},
   'schema': {
    'type': 'model',
    'cls': _model('SimpleQuantity'),
    'schema': {
     'type': 'function-before',
     'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
     'schema': {
      'type': 'model-fields',
      'fields': {
       'id': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'str',
          'strict': True,
          'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
         'default': None}},
       'extension': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'list',
          'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
          'min_length': 1},
         'default': None}},
       'value': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'function-plain',
          'function': {'type': 'no-info', 'function': rules.decimal},
          'json_schema_input_schema': {'type': 'any'}},
         'default': None}},
       'unit': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'str',
          'strict': True,
          'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'},
         'default': None}},
       'system': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+$'},
         'default': None}},
       'code': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+( [^\\s\\x00-\\x1F]+)*$'},
         'default': None}},
       'value_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_value',
        'serialization_alias': '_value'},
       'unit_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_unit',
        'serialization_alias': '_unit'},
       'system_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_system',
        'serialization_alias': '_system'},
       'code_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
         'default': None},
        'validation_alias': '_code',
        'serialization_alias': '_code'}},
      'model_name': 'SimpleQuantity',
      'computed_fields': []}},
    'custom_init': False,
    'root_model': False,
    'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'SimpleQuantity'}},
   'ref': 'fhirimaging.models.datatypes.SimpleQuantity'}]}
CONFIG = {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'ImagingStudy'}
FORMATS = {
 '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$': 'a non-blank string without control characters',
 '^[^\\s\\x00-\\x1F]+$': 'a URI without whitespace',
 '^[^\\s\\x00-\\x1F]+( [^\\s\\x00-\\x1F]+)*$': 'a code without leading, trailing or repeated whitespace',
 '^[A-Za-z0-9\\-\\.]{1,64}$': 'an id of 1 to 64 characters from A-Z a-z 0-9 - .',
 '^urn:oid:[0-2](\\.(0|[1-9][0-9]*))+$': 'an OID such as urn:oid:1.2.3',
 '^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$': 'a lower-case UUID such as urn:uuid:c757873d-ec9a-4326-a141-556f43239520',
 '^(\\s*[0-9a-zA-Z+/=]{4}\\s*)+$': 'base64 data',
 '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$': 'a date: YYYY, YYYY-MM or YYYY-MM-DD',
 '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$': 'a dateTime: YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.fff] with a time zone (Z or +hh:mm)',
 '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$': 'an instant: YYYY-MM-DDThh:mm:ss[.fff] with a time zone (Z or +hh:mm)',
 '^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?$': 'a time: hh:mm:ss[.fff]',
 '^(0|[-+]?[1-9][0-9]{0,18})$': 'an integer64 written as a JSON string',
 '^<div[\\s>][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$': 'XHTML starting with a <div> element',
 '^[A-Z][A-Za-z]{1,63}$': 'a resource type name such as Patient'}
