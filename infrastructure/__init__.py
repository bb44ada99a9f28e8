"""What is not a Lambda function: the local stack, the DigiD simulator, deploy helpers."""
