resource "aws_lambda_function" "api" {
  function_name = "api"
  role          = aws_iam_role.api.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "api.zip"

  environment {
    variables = {
      TABLE_NAME     = "orders"
      DB_PASSWORD    = "Zq81vLm3Rt7Kp2Xw" # expect: TF-0052
      SLACK_HOOK     = "https://hooks.slack.com/services/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" # expect: TF-0052
      GOOGLE_MAPS_ID = "AIzaSyD4rT8kLmN2pQ6sV0xZ3bC7fH1jK5nP9rU" # expect: TF-0052
    }
  }
}
