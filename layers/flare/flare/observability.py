"""The one Logger and Metrics pair of every function: the API's, the authorizer's and the scheduler's."""

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="flare")
metrics = Metrics(namespace="Flare", service="flare")
