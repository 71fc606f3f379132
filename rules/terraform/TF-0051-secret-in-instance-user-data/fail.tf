resource "aws_instance" "app" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  user_data     = "#!/bin/bash\nexport DB_PASSWORD=Zq81vLm3Rt7Kp2Xw\n/opt/app/start.sh\n" # expect: TF-0051
}

resource "aws_launch_template" "workers" {
  name_prefix = "workers-"
  # export GITHUB_TOKEN=ghp_R8sT2uV4wX6yZ8aB0cD2eF4gH6iJ8kL0mN2o
  user_data = "ZXhwb3J0IEdJVEhVQl9UT0tFTj1naHBfUjhzVDJ1VjR3WDZ5WjhhQjBjRDJlRjRnSDZpSjhrTDBtTjJv" # expect: TF-0051
}

resource "aws_launch_configuration" "legacy" {
  image_id      = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  user_data     = base64encode("AWS_ACCESS_KEY_ID=AKIA2E0A8F3B244C9986") # expect: TF-0051
}
